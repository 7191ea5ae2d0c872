// Prints a Markdown table from bench/startup/run.sh results: one row per command, one column per
// label (e.g. before, after, bundle), median wall time with mean user CPU time, for the runs
// without and with NODE_EXTRA_CA_CERTS.
// Usage: npx tsx bench/startup/table.ts before after [bundle]
import { readFileSync } from 'node:fs';

const labels = process.argv.slice(2);
const dir = new URL('../results/startup/', import.meta.url);
interface HyperfineResult {
  command: string;
  median: number;
  user: number;
}

const name = (cmd: string): string =>
  cmd === 'node -e 0'
    ? '`node -e 0`'
    : `\`wharf ${cmd
        .replace(/^node \S+ /, '')
        .replace(/ \/\S+@sha256:\S+$/, ' <layout>@<digest>')}\``;
for (const ca of ['noca', 'ca']) {
  const runs = labels.map(
    (l) =>
      (
        JSON.parse(readFileSync(new URL(`${l}-${ca}.json`, dir), 'utf8')) as {
          results: HyperfineResult[];
        }
      ).results,
  );
  console.log(
    `\n${ca === 'noca' ? 'Without' : 'With'} NODE_EXTRA_CA_CERTS (median wall, mean user CPU):\n`,
  );
  console.log(`| Command | ${labels.join(' | ')} |`);
  console.log(`|---|${labels.map(() => '---').join('|')}|`);
  const first = runs[0] ?? [];
  for (let i = 0; i < first.length; i++) {
    const cells = runs.map(
      (r) => `${(r[i]!.median * 1000).toFixed(0)} ms (${(r[i]!.user * 1000).toFixed(0)} ms user)`,
    );
    console.log(`| ${name(first[i]!.command)} | ${cells.join(' | ')} |`);
  }
}
