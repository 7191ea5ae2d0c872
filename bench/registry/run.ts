/**
 * Registry benchmark: zot's `zb -c <C> -n <N>` against Wharf and against the CNCF distribution
 * registry v3, side by side in one run, both on local filesystem storage in a temp dir on
 * 127.0.0.1. Reports req/s, p50 and p99 per zb test, the ratio Wharf/distribution, and the
 * peak RSS (VmHWM) of each server. It also runs `bench/registry/loadgen.ts` (zb's test shapes,
 * Locations followed exactly, so it can push to distribution, which zb cannot) against both; where
 * zb is not installed (the Go module proxy refuses zot here) only the loadgen runs. Writes bench/results/registry/latest.{json,md} (git-ignored).
 *
 * Usage: npx tsx bench/registry/run.ts [-c 10] [-n 100] [--only wharf|distribution] [--keep]
 * Env: ZB, REGISTRY (paths; default <repo>/.peers/bin/{zb,registry}), WHARF_BENCH_FSYNC=0|1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
function flag(name: string, def: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : def;
}
const C = Number(flag('-c', '10'));
const N = Number(flag('-n', '100'));
const ONLY = flag('--only', '');
const KEEP = args.includes('--keep');
const ZB = process.env.ZB ?? path.join(ROOT, '.peers/bin/zb');
const REGISTRY = process.env.REGISTRY ?? path.join(ROOT, '.peers/bin/registry');
const FSYNC = process.env.WHARF_BENCH_FSYNC ?? '1';

interface TestResult {
  name: string;
  rps: number;
  p50ms: number;
  p99ms: number;
  failed: number;
}

interface ServerResult {
  name: string;
  /** zb results (empty when zb cannot run against the server). */
  tests: TestResult[];
  /** zb's last output lines when it failed. */
  zbError?: string;
  /** loadgen (bench/registry/loadgen) results: the zb shapes with Locations followed exactly. */
  loadgen: TestResult[];
  peakRssMiB: number;
  seconds: number;
}

const LOADGEN = path.join(ROOT, 'bench/registry/loadgen.ts');

function runLoadgen(url: string): Promise<TestResult[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ['--import', 'tsx', LOADGEN, '-c', String(C), '-n', String(N), url],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      process.stderr.write(d);
    });
    p.on('error', reject);
    p.on('close', () =>
      resolve(
        out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => {
            const j = JSON.parse(l) as {
              name: string;
              rps: number;
              p50ms: number;
              p99ms: number;
              errors: number;
            };
            return { name: j.name, rps: j.rps, p50ms: j.p50ms, p99ms: j.p99ms, failed: j.errors };
          }),
      ),
    );
  });
}

function durationMs(s: string): number {
  // Go durations: 1.5ms, 230.1µs, 2.3s, 1m2.5s
  let total = 0;
  for (const m of s.trim().matchAll(/([\d.]+)(h|m(?!s)|s|ms|µs|us|ns)/g)) {
    const v = Number(m[1]);
    const unit = m[2];
    total +=
      unit === 'h'
        ? v * 3_600_000
        : unit === 'm'
          ? v * 60_000
          : unit === 's'
            ? v * 1000
            : unit === 'ms'
              ? v
              : unit === 'ns'
                ? v / 1e6
                : v / 1000;
  }
  return Math.round(total * 100) / 100;
}

/** Parses zb's text report: blocks of "Test name:", "Requests per second:", "p50:", "p99:". */
function parseZb(out: string): TestResult[] {
  const tests: TestResult[] = [];
  for (const block of out.split(/={6,}/).slice(1)) {
    const name = /Test name:\s*(.+)/.exec(block)?.[1]?.trim();
    const rps = /Requests per second:\s*([\d.]+)/.exec(block)?.[1];
    if (!name || rps === undefined) continue;
    tests.push({
      name,
      rps: Number(rps),
      p50ms: durationMs(/p50:\s*(\S+)/.exec(block)?.[1] ?? '0'),
      p99ms: durationMs(/p99:\s*(\S+)/.exec(block)?.[1] ?? '0'),
      failed: Number(/Failed requests:\s*(\d+)/.exec(block)?.[1] ?? '0'),
    });
  }
  return tests;
}

function vmHwmMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s*(\d+)\s*kB/.exec(status)?.[1] ?? '0');
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return 0;
  }
}

function waitForUrl(proc: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${buf}`)), 30_000);
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const m = pattern.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${what} exited ${code}:\n${buf}`)));
  });
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function runZb(url: string, workdir: string): Promise<string> {
  if (!existsSync(ZB)) return Promise.resolve(`zb unavailable: not found at ${ZB}`);
  return new Promise((resolve, reject) => {
    const zb = spawn(ZB, ['-c', String(C), '-n', String(N), '-o', 'stdout', '-d', workdir, url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    zb.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      process.stderr.write(d);
    });
    zb.stderr.on('data', (d: Buffer) => {
      out += d.toString();
      process.stderr.write(d);
    });
    zb.on('error', reject);
    zb.on('close', () => resolve(out));
  });
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
  });
}

async function benchWharf(work: string): Promise<ServerResult> {
  const data = path.join(work, 'wharf-data');
  const proc = spawn(
    process.execPath,
    [
      path.join(ROOT, 'packages/registry-server/dist/main.js'),
      '--data-dir',
      data,
      '--listen',
      '127.0.0.1:0',
      '--set=log.accessLog=false',
      `--set=storage.fsync=${FSYNC === '0' ? 'false' : 'true'}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await waitForUrl(proc, /"url":"(http:\/\/[^"]+)"/, 'wharf');
  const started = Date.now();
  const out = await runZb(url, path.join(work, 'zb-wharf'));
  const tests = parseZb(out);
  const loadgen = await runLoadgen(url);
  const result: ServerResult = {
    name: 'wharf',
    tests,
    ...(tests.length === 0 ? { zbError: out.split('\n').slice(-6).join('\n') } : {}),
    loadgen,
    peakRssMiB: vmHwmMiB(proc.pid as number),
    seconds: (Date.now() - started) / 1000,
  };
  await stop(proc);
  return result;
}

async function benchDistribution(work: string): Promise<ServerResult> {
  const port = await freePort();
  const root = path.join(work, 'distribution-data');
  mkdirSync(root, { recursive: true });
  const config = path.join(work, 'distribution.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${root}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const proc = spawn(REGISTRY, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/v2/`)).ok) break;
    } catch {
      // not yet
    }
    if (i > 100) throw new Error('distribution did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const started = Date.now();
  const out = await runZb(url, path.join(work, 'zb-distribution'));
  const tests = parseZb(out);
  const loadgen = await runLoadgen(url);
  const result: ServerResult = {
    name: 'distribution',
    tests,
    ...(tests.length === 0 ? { zbError: out.split('\n').slice(-6).join('\n') } : {}),
    loadgen,
    peakRssMiB: vmHwmMiB(proc.pid as number),
    seconds: (Date.now() - started) / 1000,
  };
  await stop(proc);
  return result;
}

function table(title: string, w: TestResult[] | undefined, d: TestResult[] | undefined): string[] {
  const lines = [`**${title}**`, ''];
  lines.push(
    '| test | Wharf req/s | distribution req/s | ratio W/d | Wharf p50 / p99 ms | distribution p50 / p99 ms |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|');
  const names = [...new Set([...(w ?? []).map((t) => t.name), ...(d ?? []).map((t) => t.name)])];
  const fmt = (t: TestResult | undefined): string =>
    t ? `${t.p50ms} / ${t.p99ms}${t.failed ? ` (${t.failed} failed)` : ''}` : 'n/a';
  for (const name of names) {
    const a = w?.find((t) => t.name === name);
    const b = d?.find((t) => t.name === name);
    const ratio = a && b && b.rps > 0 ? (a.rps / b.rps).toFixed(2) : 'n/a';
    lines.push(
      `| ${name} | ${a?.rps.toFixed(2) ?? 'n/a'} | ${b?.rps.toFixed(2) ?? 'n/a'} | ${ratio} | ${fmt(a)} | ${fmt(b)} |`,
    );
  }
  lines.push('');
  return lines;
}

function markdown(
  wharf: ServerResult | undefined,
  dist: ServerResult | undefined,
  meta: Record<string, string>,
): string {
  const lines: string[] = [];
  lines.push(`Machine: ${meta.machine}. Node ${meta.node}. ${meta.when}.`, '');
  lines.push(`Command: \`${meta.command}\``, '');
  lines.push(...table(`zot zb -c ${C} -n ${N}`, wharf?.tests, dist?.tests));
  for (const r of [wharf, dist]) {
    if (r?.zbError)
      lines.push(`zb against ${r.name} failed:`, '', '```', r.zbError.trim(), '```', '');
  }
  lines.push(
    ...table(
      `bench/registry/loadgen -c ${C} -n ${N} (zb test shapes, Locations followed exactly)`,
      wharf?.loadgen,
      dist?.loadgen,
    ),
  );
  lines.push(
    `Peak RSS (VmHWM) over the whole run: Wharf ${wharf?.peakRssMiB ?? 'n/a'} MiB, distribution ${dist?.peakRssMiB ?? 'n/a'} MiB.`,
  );
  lines.push(
    `Wall time: Wharf ${wharf?.seconds ?? 'n/a'} s, distribution ${dist?.seconds ?? 'n/a'} s.`,
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(REGISTRY) && ONLY !== 'wharf') {
    throw new Error(`registry not found at ${REGISTRY}; run \`npm run peers\` or set REGISTRY`);
  }
  if (!existsSync(ZB)) {
    process.stderr.write(
      `zb not found at ${ZB} (the Go module proxy refuses zot here; see docs/peers.md): running the TypeScript loadgen only\n`,
    );
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'wharf-bench-'));
  try {
    const wharf = ONLY === 'distribution' ? undefined : await benchWharf(work);
    const dist = ONLY === 'wharf' ? undefined : await benchDistribution(work);
    const meta = {
      machine: `${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}`,
      node: process.version,
      when: `${new Date().toISOString()}, load average at start ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} (background builds were running: numbers are noisy)`,
      command: `npx tsx bench/registry/run.ts -c ${C} -n ${N}  (zb -c ${C} -n ${N} -o stdout <url>, then bench/registry/loadgen.ts -c ${C} -n ${N} <url>; Wharf storage.fsync=${FSYNC !== '0'})`,
    };
    const outDir = path.join(ROOT, 'bench/results/registry');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(
      path.join(outDir, 'latest.json'),
      JSON.stringify({ meta, wharf, distribution: dist }, null, 2) + '\n',
    );
    const md = markdown(wharf, dist, meta);
    writeFileSync(path.join(outDir, 'latest.md'), md + '\n');
    process.stdout.write(md + '\n');
  } finally {
    if (!KEEP) rmSync(work, { recursive: true, force: true });
  }
}

await main();
