/**
 * SBOM benchmark: `wharf sbom` against `syft scan` on each SBOM fixture image (the OCI layouts that
 * packages/sbom/scripts/build-fixtures.sh caches in $WHARF_FIXTURE_CACHE, else
 * $XDG_CACHE_HOME/wharf-test-fixtures, else ~/.cache/wharf-test-fixtures), in one run on one
 * machine. Each tool writes SPDX JSON to a temp file; stdout/stderr are discarded. Wall time and
 * peak RSS come from GNU time (`/usr/bin/time -f '%e %M'`), which reports the maximum resident set
 * of the process it ran.
 *
 * Per fixture and repetition:
 *   - wharf cold: `wharf sbom -q <layout> -o spdx-json=<tmp>` with an empty XDG_CACHE_HOME;
 *   - wharf warm: the same command again with that cache (every layer analysis is a cache hit);
 *   - syft: `syft scan oci-dir:<layout> -o spdx-json=<tmp> -q`, twice (syft 1.x keeps no per-layer
 *     cache: stereoscope unpacks every layer into a temp dir on each run; its ~/.cache/syft holds only
 *     license/module lookups, off by default); both runs share one XDG_CACHE_HOME, and the figure used
 *     in ratios is the faster of the two.
 * `wharf version` is timed in each repetition too: the start-up floor every wharf command pays.
 * Every wharf process runs as `env -u NODE_EXTRA_CA_CERTS node …`: a machine that sets that variable
 * makes each Node process parse the whole CA bundle at start (about 70 ms here), which syft (Go)
 * does not pay. When the variable is set, the warm run is also timed once more with it, and that
 * figure is reported beside the others.
 * Also, to separate the cache's effect from Node's start-up, bench/sbom/catalog-once.ts times one
 * in-process generateSbom (after module loading) in a fresh process, cold and then warm.
 * The median over repetitions is reported. Writes bench/results/sbom/latest.{json,md} (git-ignored).
 *
 * Usage: npx tsx bench/sbom/run.ts [-r 3] [--only base,node] [--node-args "--cpu-prof"]
 * Env: SYFT (default <repo>/.peers/bin/syft), WHARF_FIXTURE_CACHE.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
function flag(name: string, def: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : def;
}
const REPS = Number(flag('-r', '3'));
const ONLY = flag('--only', '')
  .split(',')
  .filter((s) => s !== '');
const NODE_ARGS = flag('--node-args', '')
  .split(' ')
  .filter((s) => s !== '');
const SYFT = process.env.SYFT ?? path.join(ROOT, '.peers/bin/syft');
const WHARF = path.join(ROOT, 'packages/cli/dist/bin.js');
const TIME = '/usr/bin/time';

function fixtureRoot(): string {
  if (process.env.WHARF_FIXTURE_CACHE) return path.join(process.env.WHARF_FIXTURE_CACHE, 'sbom');
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'wharf-test-fixtures', 'sbom');
}

interface Sample {
  seconds: number;
  peakRssMiB: number;
}

/** Runs `argv` under GNU time; throws with the tool's stderr when it fails. */
function measure(argv: readonly string[], env: NodeJS.ProcessEnv): Sample {
  const r = spawnSync(TIME, ['-f', '@@%e %M', ...argv], {
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const m = /@@([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) {
    throw new Error(`${argv.join(' ')} failed (${String(r.status)}):\n${r.stderr.slice(-2000)}`);
  }
  return { seconds: Number(m[1]), peakRssMiB: Number(m[2]) / 1024 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

interface FixtureResult {
  fixture: string;
  layers: number;
  wharfCold: Sample;
  wharfWarm: Sample;
  /** The warm run with NODE_EXTRA_CA_CERTS left set (when this machine sets it). */
  wharfWarmExtraCa: Sample | undefined;
  syftFirst: Sample;
  syftSecond: Sample;
  /** syft (faster run) / wharf cold: > 1 means Wharf is faster. */
  speedupCold: number;
  speedupWarm: number;
  /** `wharf version` in the same run: Node start-up plus loading the CLI, the floor of any command. */
  startupFloor: Sample;
  /** wharf cold / wharf warm, end to end (process start to exit). */
  warmVsCold: number;
  /** In-process generateSbom time (after module loading), cold and warm cache, fresh processes. */
  inProcess: { coldMs: number; warmMs: number; speedup: number };
  packages: { wharf: number; syft: number };
}

function medianSample(samples: Sample[]): Sample {
  return {
    seconds: median(samples.map((s) => s.seconds)),
    peakRssMiB: median(samples.map((s) => s.peakRssMiB)),
  };
}

function countPackages(file: string): number {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    packages?: { primaryPackagePurpose?: string }[];
  };
  return (doc.packages ?? []).filter((p) => p.primaryPackagePurpose !== 'CONTAINER').length;
}

const CATALOG_ONCE = path.join(ROOT, 'bench/sbom/catalog-once.ts');
/** The CA bundle variable of this machine, if set: stripped from every wharf run (see above). */
const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS;
const NO_EXTRA_CA = ['env', '-u', 'NODE_EXTRA_CA_CERTS'];
const withoutExtraCa = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
};

/** generateSbom timed inside a fresh process, after its imports (bench/sbom/catalog-once.ts). */
function catalogOnce(layout: string, cacheDir: string): { ms: number; cachedLayers: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CATALOG_ONCE, layout, cacheDir], {
    cwd: ROOT,
    encoding: 'utf8',
    env: withoutExtraCa(),
  });
  if (r.status !== 0) throw new Error(`catalog-once failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { ms: number; cachedLayers: number };
}

function main(): void {
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed for peak RSS`);
  if (!existsSync(WHARF)) throw new Error(`${WHARF} is missing: run npx tsc -b packages/cli`);
  if (!existsSync(SYFT)) throw new Error(`${SYFT} is missing: run npm run peers`);
  const root = fixtureRoot();
  const fixtures = readdirSync(root)
    .filter((d) => existsSync(path.join(root, d, 'oci-layout')))
    .filter((d) => ONLY.length === 0 || ONLY.some((o) => d.startsWith(`${o}-`)))
    .sort();
  if (fixtures.length === 0) {
    throw new Error(`no fixture layouts in ${root}: run packages/sbom/scripts/build-fixtures.sh`);
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'wharf-bench-sbom-'));
  const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work };
  const results: FixtureResult[] = [];
  const loadAtStart = os.loadavg();
  try {
    for (const name of fixtures) {
      const layout = path.join(root, name);
      const cold: Sample[] = [];
      const warm: Sample[] = [];
      const warmCa: Sample[] = [];
      const syft1: Sample[] = [];
      const syft2: Sample[] = [];
      const inCold: number[] = [];
      const inWarm: number[] = [];
      const floor: Sample[] = [];
      const wOut = path.join(work, `${name}.wharf.json`);
      const sOut = path.join(work, `${name}.syft.json`);
      for (let rep = 0; rep < REPS; rep++) {
        const cache = path.join(work, `cache-${name}-${rep}`);
        mkdirSync(cache);
        const env = { ...baseEnv, XDG_CACHE_HOME: cache };
        const node = [process.execPath, ...NODE_ARGS, WHARF];
        const wharf = [...NO_EXTRA_CA, ...node, 'sbom', '-q', layout, '-o', `spdx-json=${wOut}`];
        floor.push(measure([...NO_EXTRA_CA, ...node, 'version'], env));
        cold.push(measure(wharf, env));
        warm.push(measure(wharf, env));
        if (EXTRA_CA !== undefined) {
          warmCa.push(
            measure(wharf.slice(NO_EXTRA_CA.length), { ...env, NODE_EXTRA_CA_CERTS: EXTRA_CA }),
          );
        }
        const syftEnv = {
          ...baseEnv,
          XDG_CACHE_HOME: path.join(work, `syft-cache-${name}-${rep}`),
          SYFT_CHECK_FOR_APP_UPDATE: 'false',
          TMPDIR: work,
        };
        const syft = [SYFT, 'scan', `oci-dir:${layout}`, '-q', '-o', `spdx-json=${sOut}`];
        const inCache = path.join(work, `in-${name}-${rep}`);
        inCold.push(catalogOnce(layout, inCache).ms);
        const again = catalogOnce(layout, inCache);
        if (again.cachedLayers === 0) throw new Error('warm in-process run had no cache hit');
        inWarm.push(again.ms);
        syft1.push(measure(syft, syftEnv));
        syft2.push(measure(syft, syftEnv));
        process.stderr.write(
          `${name} rep ${rep + 1}: wharf cold ${cold.at(-1)?.seconds}s warm ${warm.at(-1)?.seconds}s ` +
            `(+CA ${warmCa.at(-1)?.seconds ?? 'n/a'}s); ` +
            `syft ${syft1.at(-1)?.seconds}s / ${syft2.at(-1)?.seconds}s\n`,
        );
      }
      const wc = medianSample(cold);
      const ww = medianSample(warm);
      const s1 = medianSample(syft1);
      const s2 = medianSample(syft2);
      const syftBest = Math.min(s1.seconds, s2.seconds);
      const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as {
        manifests: { digest: string }[];
      };
      const manifestDigest = index.manifests[0]?.digest ?? '';
      const manifest = JSON.parse(
        readFileSync(path.join(layout, 'blobs', ...manifestDigest.split(':')), 'utf8'),
      ) as { layers: unknown[] };
      results.push({
        fixture: name,
        layers: manifest.layers.length,
        wharfCold: wc,
        wharfWarm: ww,
        wharfWarmExtraCa: warmCa.length > 0 ? medianSample(warmCa) : undefined,
        syftFirst: s1,
        syftSecond: s2,
        speedupCold: syftBest / wc.seconds,
        speedupWarm: syftBest / ww.seconds,
        startupFloor: medianSample(floor),
        warmVsCold: wc.seconds / ww.seconds,
        inProcess: {
          coldMs: median(inCold),
          warmMs: median(inWarm),
          speedup: median(inCold) / median(inWarm),
        },
        packages: { wharf: countPackages(wOut), syft: countPackages(sOut) },
      });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const f = (n: number, d = 2): string => n.toFixed(d);
  const lines = [
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${f(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}; load average at start ${loadAtStart
      .map((x) => f(x))
      .join(' ')}, at end ${os
      .loadavg()
      .map((x) => f(x))
      .join(' ')}; ${REPS} repetitions, medians.`,
    `Every wharf run is \`env -u NODE_EXTRA_CA_CERTS node …\` (${
      EXTRA_CA === undefined
        ? 'the variable is not set on this machine'
        : `this machine sets NODE_EXTRA_CA_CERTS=${EXTRA_CA}; "warm +CA" is the warm run with it left set`
    }); syft ignores the variable.`,
    '',
    '| fixture | layers | packages W/S | wharf cold s (MiB) | wharf warm s (MiB) | warm +CA s | syft run 1 s (MiB) | syft run 2 s (MiB) | syft/wharf cold | syft/wharf warm | warm vs cold | wharf version s | in-process cold / warm ms | in-process warm vs cold |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.fixture.replace(/-[0-9a-f]{12}$/, '')} | ${r.layers} | ${r.packages.wharf}/${r.packages.syft} | ` +
        `${f(r.wharfCold.seconds)} (${f(r.wharfCold.peakRssMiB, 0)}) | ${f(r.wharfWarm.seconds)} (${f(r.wharfWarm.peakRssMiB, 0)}) | ` +
        `${r.wharfWarmExtraCa === undefined ? 'n/a' : f(r.wharfWarmExtraCa.seconds)} | ` +
        `${f(r.syftFirst.seconds)} (${f(r.syftFirst.peakRssMiB, 0)}) | ${f(r.syftSecond.seconds)} (${f(r.syftSecond.peakRssMiB, 0)}) | ` +
        `${f(r.speedupCold)}× | ${f(r.speedupWarm)}× | ${f(r.warmVsCold, 1)}× | ${f(r.startupFloor.seconds)} | ` +
        `${f(r.inProcess.coldMs, 0)} / ${f(r.inProcess.warmMs, 0)} | ${f(r.inProcess.speedup, 1)}× |`,
    ),
  ];
  const md = lines.join('\n');
  const outDir = path.join(ROOT, 'bench/results/sbom');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(path.join(outDir, 'latest.md'), md + '\n');
  process.stdout.write(md + '\n');
}

main();
