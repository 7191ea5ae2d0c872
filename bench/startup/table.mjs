// Prints a Markdown table from bench/startup/run.sh results: one row per command, one column per
// label (e.g. before, after, bundle), median wall time with mean user CPU time, for the runs
// without and with NODE_EXTRA_CA_CERTS.
// Usage: node bench/startup/table.mjs before after [bundle]
import { readFileSync } from 'node:fs';

const labels = process.argv.slice(2);
const dir = new URL('../results/startup/', import.meta.url);
const name = (cmd) =>
  cmd === 'node -e 0'
    ? '`node -e 0`'
    : `\`wharf ${cmd
        .replace(/^node \S+ /, '')
        .replace(/ \/\S+@sha256:\S+$/, ' <layout>@<digest>')}\``;
for (const ca of ['noca', 'ca']) {
  const runs = labels.map(
    (l) => JSON.parse(readFileSync(new URL(`${l}-${ca}.json`, dir), 'utf8')).results,
  );
  console.log(
    `\n${ca === 'noca' ? 'Without' : 'With'} NODE_EXTRA_CA_CERTS (median wall, mean user CPU):\n`,
  );
  console.log(`| Command | ${labels.join(' | ')} |`);
  console.log(`|---|${labels.map(() => '---').join('|')}|`);
  for (let i = 0; i < runs[0].length; i++) {
    const cells = runs.map(
      (r) => `${(r[i].median * 1000).toFixed(0)} ms (${(r[i].user * 1000).toFixed(0)} ms user)`,
    );
    console.log(`| ${name(runs[0][i].command)} | ${cells.join(' | ')} |`);
  }
}
