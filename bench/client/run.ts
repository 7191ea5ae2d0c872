/**
 * Client benchmark: `wharf` (packages/cli/dist/bin.js) against `oras` 1.3 (.peers/bin/oras),
 * `--runs` runs each (default 3, alternating wharf and oras; the median of each measure is
 * reported), same machine, same registries: two CNCF distribution v3 registries
 * (.peers/bin/registry) on 127.0.0.1 with filesystem storage in a temp dir.
 *
 * Scenarios (default concurrency of each tool):
 *  - push, then pull, of one 512 MiB file (one blob);
 *  - push, then pull, of 200 files of 256 KiB (200 blobs);
 *  - `copy -r` of an image with 10 layers (2 MiB each) and 6 referrers (three on the image, one
 *    on each of those) from the first registry to the second.
 * Both tools pull the same manifest (the one oras pushed) into empty directories. Each command
 * runs under `/usr/bin/time -f '%e %U %S %M'`: wall seconds, user+system CPU seconds, and peak RSS
 * (max RSS of the process tree). Every run pushes to a fresh repository or pulls into an empty
 * directory, so no run finds the previous one's content.
 * Environment: both tools get only PATH and HOME; wharf runs as `env -u NODE_EXTRA_CA_CERTS node
 * …` (this machine sets that variable, which makes every Node process parse the whole CA bundle
 * at start-up, ~70 ms; Go's oras ignores it). The floor of a Node process (`node -e 0`) and
 * `wharf version` are measured the same way and printed with the table.
 * Writes bench/results/client/latest.{json,md} (git-ignored) and deletes its temp data.
 *
 * Usage: bench/client/run.sh  (or: npx tsx bench/client/run.ts [--big-mib 512] [--runs 3] [--keep])
 * Env: ORAS, REGISTRY, WHARF (paths; default <repo>/.peers/bin/{oras,registry} and
 * <repo>/packages/cli/dist/bin.js; WHARF times another build, e.g. an older commit's).
 */
import { execFile } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDistribution, type RunningDistribution } from '@wharf/testkit';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const flagValue = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : def;
};
const BIG_MIB = Number(flagValue('--big-mib', '512'));
const RUNS = Math.max(1, Number(flagValue('--runs', '3')));
const KEEP = args.includes('--keep');
const ORAS = process.env.ORAS ?? path.join(ROOT, '.peers/bin/oras');
const REGISTRY = process.env.REGISTRY ?? path.join(ROOT, '.peers/bin/registry');
const WHARF = process.env.WHARF ?? path.join(ROOT, 'packages/cli/dist/bin.js');

interface Measure {
  seconds: number;
  /** user + system CPU seconds: less sensitive than wall time to other load on a shared machine. */
  cpuSeconds: number;
  peakRssMiB: number;
}

/** How wharf is started: without NODE_EXTRA_CA_CERTS (see the header). */
const WHARF_CMD = ['env', '-u', 'NODE_EXTRA_CA_CERTS', process.execPath, WHARF];

/** Runs one command under /usr/bin/time; fails loudly when the command fails. */
function timed(
  tool: 'wharf' | 'oras' | 'node',
  argv: readonly string[],
  cwd: string,
): Promise<Measure> {
  const cmd =
    tool === 'wharf'
      ? [...WHARF_CMD, ...argv]
      : tool === 'node'
        ? ['env', '-u', 'NODE_EXTRA_CA_CERTS', process.execPath, ...argv]
        : [ORAS, ...argv];
  const timeFile = path.join(cwd, `.time-${process.hrtime.bigint()}`);
  return new Promise((resolve, reject) => {
    execFile(
      '/usr/bin/time',
      ['-o', timeFile, '-f', '%e %U %S %M', ...cmd],
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd }, maxBuffer: 256 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (err) {
          reject(new Error(`${tool} ${argv.join(' ')} failed: ${stderr.slice(-2000)}`));
          return;
        }
        const [sec, user, sys, kb] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-4);
        rmSync(timeFile, { force: true });
        resolve({
          seconds: Number(sec),
          cpuSeconds: Number(user) + Number(sys),
          peakRssMiB: Math.round(Number(kb) / 1024),
        });
      },
    );
  });
}

function randomFile(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  const buf = Buffer.allocUnsafe(Math.min(bytes, 16 * 1024 * 1024));
  for (let left = bytes; left > 0;) {
    const n = Math.min(left, buf.length);
    randomFillSync(buf, 0, n);
    writeSync(fd, buf, 0, n);
    left -= n;
  }
  closeSync(fd);
}

interface Row {
  scenario: string;
  wharf: Measure;
  oras: Measure;
  /** Every run, in order. */
  runs: { wharf: Measure[]; oras: Measure[] };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function medianMeasure(ms: readonly Measure[]): Measure {
  return {
    seconds: median(ms.map((m) => m.seconds)),
    cpuSeconds: median(ms.map((m) => m.cpuSeconds)),
    peakRssMiB: median(ms.map((m) => m.peakRssMiB)),
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'wharf-bench-client-'));
  const loadStart = os.loadavg();
  const rows: Row[] = [];
  let floor: { node: Measure; version: Measure } | undefined;
  let a: RunningDistribution | undefined;
  let b: RunningDistribution | undefined;
  try {
    a = await startDistribution(REGISTRY);
    b = await startDistribution(REGISTRY);
    const A = a.host;
    const B = b.host;
    const ph = '--plain-http';
    /**
     * Runs each tool `RUNS` times, alternating; `w`/`o` get the run number (fresh repositories
     * and output directories) and `prepare` runs before each command.
     */
    const both = async (
      scenario: string,
      w: (run: number) => readonly string[],
      o: (run: number) => readonly string[],
      cwd: string,
      prepare: () => void = () => undefined,
    ): Promise<void> => {
      const runs = { wharf: [] as Measure[], oras: [] as Measure[] };
      process.stderr.write(`${scenario}:`);
      for (let run = 0; run < RUNS; run++) {
        prepare();
        const wm = await timed('wharf', w(run), cwd);
        prepare();
        const om = await timed('oras', o(run), cwd);
        process.stderr.write(` wharf ${wm.seconds}s / oras ${om.seconds}s;`);
        runs.wharf.push(wm);
        runs.oras.push(om);
      }
      process.stderr.write('\n');
      rows.push({
        scenario,
        wharf: medianMeasure(runs.wharf),
        oras: medianMeasure(runs.oras),
        runs,
      });
    };

    // The floor: a Node process that does nothing, and wharf's smallest command.
    const floorRuns = { node: [] as Measure[], version: [] as Measure[] };
    for (let run = 0; run < RUNS; run++) {
      floorRuns.node.push(await timed('node', ['-e', '0'], work));
      floorRuns.version.push(await timed('wharf', ['version'], work));
    }
    floor = { node: medianMeasure(floorRuns.node), version: medianMeasure(floorRuns.version) };

    // One big blob.
    const big = path.join(work, 'big');
    mkdirSync(big);
    randomFile(path.join(big, 'big.bin'), BIG_MIB * 1024 * 1024);
    await both(
      `push 1 × ${BIG_MIB} MiB`,
      (r) => ['push', ph, '--no-tty', `${A}/big-wharf-${r}:v1`, 'big.bin'],
      (r) => ['push', ph, '--no-tty', `${A}/big-oras-${r}:v1`, 'big.bin'],
      big,
    );
    rmSync(path.join(big, 'big.bin'));
    const cleanOut = (dir: string) => () => {
      rmSync(path.join(dir, 'out-wharf'), { recursive: true, force: true });
      rmSync(path.join(dir, 'out-oras'), { recursive: true, force: true });
    };
    await both(
      `pull 1 × ${BIG_MIB} MiB`,
      () => ['pull', ph, '--no-tty', '-o', 'out-wharf', `${A}/big-oras-0:v1`],
      () => ['pull', ph, '--no-tty', '-o', 'out-oras', `${A}/big-oras-0:v1`],
      big,
      cleanOut(big),
    );
    rmSync(big, { recursive: true, force: true });

    // 200 small blobs.
    const small = path.join(work, 'small');
    mkdirSync(small);
    const names: string[] = [];
    for (let i = 0; i < 200; i++) {
      const name = `f${String(i).padStart(3, '0')}.bin`;
      randomFile(path.join(small, name), 256 * 1024);
      names.push(name);
    }
    await both(
      'push 200 × 256 KiB',
      (r) => ['push', ph, '--no-tty', `${A}/small-wharf-${r}:v1`, ...names],
      (r) => ['push', ph, '--no-tty', `${A}/small-oras-${r}:v1`, ...names],
      small,
    );
    await both(
      'pull 200 × 256 KiB',
      () => ['pull', ph, '--no-tty', '-o', 'out-wharf', `${A}/small-oras-0:v1`],
      () => ['pull', ph, '--no-tty', '-o', 'out-oras', `${A}/small-oras-0:v1`],
      small,
      cleanOut(small),
    );
    rmSync(small, { recursive: true, force: true });

    // copy -r: 10 layers, 6 referrers (3 on the image, 1 on each of them), pushed by oras.
    const cp = path.join(work, 'copy');
    mkdirSync(cp);
    const layers: string[] = [];
    for (let i = 0; i < 10; i++) {
      const name = `layer${i}.bin`;
      randomFile(path.join(cp, name), 2 * 1024 * 1024);
      layers.push(name);
    }
    await timed('oras', ['push', ph, '--no-tty', `${A}/img:v1`, ...layers], cp);
    for (let i = 0; i < 3; i++) {
      writeFileSync(path.join(cp, `ref${i}.json`), JSON.stringify({ referrer: i }));
      const out = path.join(cp, `ref${i}.manifest.json`);
      await timed(
        'oras',
        [
          'attach',
          ph,
          '--artifact-type',
          `bench/ref${i}`,
          '--export-manifest',
          out,
          `${A}/img:v1`,
          `ref${i}.json`,
        ],
        cp,
      );
      const digest = `sha256:${createHash('sha256').update(readFileSync(out)).digest('hex')}`;
      writeFileSync(path.join(cp, `sig${i}.json`), JSON.stringify({ sig: i }));
      await timed(
        'oras',
        ['attach', ph, '--artifact-type', 'bench/sig', `${A}/img@${digest}`, `sig${i}.json`],
        cp,
      );
    }
    await both(
      'copy -r (10 layers, 6 referrers)',
      (r) => [
        'cp',
        '-r',
        '--from-plain-http',
        '--to-plain-http',
        '--no-tty',
        `${A}/img:v1`,
        `${B}/img-wharf-${r}:v1`,
      ],
      (r) => [
        'cp',
        '-r',
        '--from-plain-http',
        '--to-plain-http',
        '--no-tty',
        `${A}/img:v1`,
        `${B}/img-oras-${r}:v1`,
      ],
      cp,
    );
  } finally {
    await a?.stop();
    await b?.stop();
    if (!KEEP) rmSync(work, { recursive: true, force: true });
  }
  const loadEnd = os.loadavg();

  const fmt = (n: number): string => n.toFixed(2);
  const md = [
    `Machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}; Node ${process.version}.`,
    `When: ${new Date().toISOString()}; load average (1/5/15 min) at start ${loadStart.map(fmt).join(' ')}, at end ${loadEnd.map(fmt).join(' ')} (shared machine).`,
    `Command: bench/client/run.sh (npx tsx bench/client/run.ts --big-mib ${BIG_MIB} --runs ${RUNS}); registries: 2 × distribution v3 (filesystem, temp dir), 127.0.0.1, plain HTTP; ${RUNS} runs each, alternating, median of each measure.`,
    `wharf runs as \`env -u NODE_EXTRA_CA_CERTS node ${path.relative(ROOT, WHARF)}\` (both tools get only PATH and HOME).`,
    floor
      ? `Floor (same medians): \`node -e 0\` ${fmt(floor.node.seconds)} s, ${fmt(floor.node.cpuSeconds)} s CPU, ${floor.node.peakRssMiB} MiB peak RSS; \`wharf version\` ${fmt(floor.version.seconds)} s, ${fmt(floor.version.cpuSeconds)} s CPU, ${floor.version.peakRssMiB} MiB.`
      : '',
    '',
    '| Scenario | wharf s | oras s | wall ratio | wharf CPU s | oras CPU s | CPU ratio | wharf RSS MiB | oras RSS MiB | RSS ratio |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${fmt(r.wharf.seconds)} | ${fmt(r.oras.seconds)} | ${fmt(r.wharf.seconds / r.oras.seconds)} | ${fmt(r.wharf.cpuSeconds)} | ${fmt(r.oras.cpuSeconds)} | ${fmt(r.wharf.cpuSeconds / r.oras.cpuSeconds)} | ${r.wharf.peakRssMiB} | ${r.oras.peakRssMiB} | ${fmt(r.wharf.peakRssMiB / r.oras.peakRssMiB)} |`,
    ),
  ].join('\n');
  const outDir = path.join(ROOT, 'bench/results/client');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    path.join(outDir, 'latest.json'),
    JSON.stringify({ bigMiB: BIG_MIB, runs: RUNS, loadStart, loadEnd, floor, rows }, null, 2) +
      '\n',
  );
  writeFileSync(path.join(outDir, 'latest.md'), md + '\n');
  process.stdout.write(md + '\n');
}

await main();
