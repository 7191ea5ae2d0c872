/**
 * Scan benchmark: `wharf scan` against `osv-scanner scan source --offline-vulnerabilities` on the
 * same SBOM and the same OSV records, in one run on one machine; and `wharf db import` of the
 * synthetic advisories.
 *
 * Data: N synthetic OSV advisories (default 100,000; npm 50 %, PyPI 25 %, Debian:12 25 %), each
 * naming either a synthetic package or, one in 200, a package of the SBOM, with an
 * `introduced`/`fixed` range; plus the test records of packages/vulndb/test-fixtures/osv. They
 * are written once as osv.dev-style `<Ecosystem>/all.zip` files, which both tools read:
 * osv-scanner from `<dir>/osv-scalibr/<Ecosystem>/all.zip` (its 2.5 layout), Wharf after
 * `wharf db import` of each zip (timed).
 * SBOM: SPDX 2.3 JSON of the `node` fixture image (packages/sbom/scripts/build-fixtures.sh), as
 * the sbom library writes it.
 * Per repetition each scanner runs once (JSON output to a temp file); the median wall time is
 * reported, with the ratio wharf/osv-scanner (goal <= 1.0).
 *
 * Usage: npx tsx bench/scan/run.ts [-n 100000] [-r 5]
 * Writes bench/results/scan/latest.{json,md} (git-ignored).
 */
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';
import { catalogSource, writeSpdx } from '@wharf/sbom';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const flag = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : def;
};
const N = Number(flag('-n', '100000'));
const REPS = Number(flag('-r', '5'));
const WHARF = path.join(ROOT, 'packages/cli/dist/bin.js');
const OSV_SCANNER = process.env['OSV_SCANNER'] ?? path.join(ROOT, '.peers/bin/osv-scanner');
const FIXTURES = path.join(ROOT, 'packages/vulndb/test-fixtures/osv');

function fixtureLayout(name: string): string {
  const base =
    process.env['WHARF_FIXTURE_CACHE'] ??
    path.join(
      process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'),
      'wharf-test-fixtures',
      'sbom',
    );
  const dir = readdirSync(base).find((d) => d.startsWith(`${name}-`) && !d.endsWith('.tmp'));
  if (dir === undefined)
    throw new Error(`no ${name} fixture in ${base} (run the sbom fixture tests once)`);
  return path.join(base, dir);
}

async function writeZip(file: string, entries: { name: string; content: string }[]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const e of entries) zip.addBuffer(Buffer.from(e.content), e.name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  writeFileSync(file, Buffer.concat(chunks));
}

function timeRun(cmd: string, argv: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  // osv-scanner exits 1 when it finds vulnerabilities; wharf exits 0 without --exit-code
  if (r.status !== 0 && !(cmd === OSV_SCANNER && r.status === 1)) {
    throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  }
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

const work = mkdtempSync(path.join(os.tmpdir(), 'wharf-bench-scan-'));
try {
  const catalog = await catalogSource(
    { kind: 'oci-layout', path: fixtureLayout('node') },
    { platform: 'linux/amd64' },
  );
  const sbom = path.join(work, 'node.spdx.json');
  writeFileSync(sbom, JSON.stringify(writeSpdx(catalog, { created: new Date(0) })));
  const real = {
    npm: catalog.packages.filter((p) => p.type === 'npm').map((p) => p.name),
    PyPI: ['requests', 'urllib3', 'idna'],
    'Debian:12': catalog.packages
      .filter((p) => p.type === 'deb')
      .map((p) => p.metadata['source'] ?? p.name),
  };
  const byEco: Record<string, { name: string; content: string }[]> = {
    npm: [],
    PyPI: [],
    Debian: [],
  };
  for (let i = 0; i < N; i++) {
    const eco = i % 4 < 2 ? 'npm' : i % 4 === 2 ? 'PyPI' : 'Debian:12';
    const dir = eco === 'Debian:12' ? 'Debian' : eco;
    const pool = real[eco];
    const name =
      i % 200 === 0 && pool.length > 0
        ? (pool[i % pool.length] as string)
        : `synth-${eco === 'Debian:12' ? 'deb' : eco.toLowerCase()}-${i % 25000}`;
    const fixed = eco === 'Debian:12' ? `${1 + (i % 9)}.${i % 7}-1` : `${1 + (i % 9)}.${i % 7}.0`;
    const rec = {
      id: `BENCH-${eco.replace(':', '')}-${i}`,
      modified: '2026-10-01T00:00:00Z',
      summary: `synthetic advisory ${i}`,
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }],
      affected: [
        {
          package: { ecosystem: eco, name },
          ranges: [
            {
              type: eco === 'Debian:12' ? 'ECOSYSTEM' : eco === 'npm' ? 'SEMVER' : 'ECOSYSTEM',
              events: [{ introduced: '0' }, { fixed }],
            },
          ],
        },
      ],
    };
    byEco[dir]?.push({ name: `${rec.id}.json`, content: JSON.stringify(rec) });
  }
  for (const [sub, dir] of [
    ['debian', 'Debian'],
    ['npm', 'npm'],
    ['pypi', 'PyPI'],
  ] as const) {
    for (const f of readdirSync(path.join(FIXTURES, sub))) {
      byEco[dir]?.push({ name: f, content: readFileSync(path.join(FIXTURES, sub, f), 'utf8') });
    }
  }
  const osvDir = path.join(work, 'osvdb');
  const zips: string[] = [];
  for (const [dir, entries] of Object.entries(byEco)) {
    mkdirSync(path.join(osvDir, 'osv-scalibr', dir), { recursive: true });
    const zip = path.join(osvDir, 'osv-scalibr', dir, 'all.zip');
    await writeZip(zip, entries);
    zips.push(zip);
  }
  const total = Object.values(byEco).reduce((n, e) => n + e.length, 0);
  const dbDir = path.join(work, 'wharfdb');
  const env = { ...process.env, XDG_CACHE_HOME: path.join(work, 'cache') };
  let importMs = 0;
  for (const zip of zips)
    importMs += timeRun(process.execPath, [WHARF, 'db', 'import', '--db', dbDir, zip], env);
  const dbBytes = statSync(path.join(dbDir, 'osv.sqlite')).size;

  const osvEnv = { ...env, OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY: osvDir };
  const wharfMs: number[] = [];
  const osvMs: number[] = [];
  for (let r = 0; r < REPS; r++) {
    wharfMs.push(
      timeRun(
        process.execPath,
        [
          WHARF,
          'scan',
          '-q',
          '--db',
          dbDir,
          '--format',
          'json',
          '--output-file',
          path.join(work, 'w.json'),
          sbom,
        ],
        env,
      ),
    );
    osvMs.push(
      timeRun(
        OSV_SCANNER,
        [
          'scan',
          'source',
          '--offline-vulnerabilities',
          '-L',
          sbom,
          '--format',
          'json',
          '--output-file',
          path.join(work, 'o.json'),
        ],
        osvEnv,
      ),
    );
  }
  const wFindings = (
    JSON.parse(readFileSync(path.join(work, 'w.json'), 'utf8')) as { findings: unknown[] }
  ).findings.length;
  const oDoc = JSON.parse(readFileSync(path.join(work, 'o.json'), 'utf8')) as {
    results?: { packages?: { vulnerabilities?: unknown[] }[] }[];
  };
  const oFindings = (oDoc.results ?? [])
    .flatMap((r) => r.packages ?? [])
    .reduce((n, p) => n + (p.vulnerabilities?.length ?? 0), 0);
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
    advisories: total,
    import: {
      ms: Math.round(importMs),
      recordsPerSecond: Math.round(total / (importMs / 1000)),
      dbBytes,
    },
    scan: {
      sbomPackages: catalog.packages.length,
      reps: REPS,
      wharfMedianMs: Math.round(median(wharfMs)),
      osvScannerMedianMs: Math.round(median(osvMs)),
      ratio: Number((median(wharfMs) / median(osvMs)).toFixed(2)),
      wharfMs: wharfMs.map(Math.round),
      osvScannerMs: osvMs.map(Math.round),
      wharfFindings: wFindings,
      osvScannerFindings: oFindings,
    },
  };
  const out = path.join(ROOT, 'bench/results/scan');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    `| measure | value |`,
    `|---|---|`,
    `| advisories imported | ${total} (3 all.zip files) |`,
    `| wharf db import (3 runs, total wall) | ${result.import.ms} ms (${result.import.recordsPerSecond} records/s), db ${(dbBytes / 2 ** 20).toFixed(1)} MiB |`,
    `| wharf scan (median of ${REPS}) | ${result.scan.wharfMedianMs} ms, ${wFindings} findings |`,
    `| osv-scanner scan source --offline-vulnerabilities (median of ${REPS}) | ${result.scan.osvScannerMedianMs} ms, ${oFindings} findings |`,
    `| ratio wharf / osv-scanner | ${result.scan.ratio} |`,
    `| load average (1/5/15 min) at the end | ${result.loadavg.join(' / ')} |`,
  ].join('\n');
  writeFileSync(path.join(out, 'latest.md'), `${md}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n${md}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
