import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requirePeer } from '@wharf/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startLive, type LiveServer } from './server-helpers.js';

// WHARF_CONFORMANCE_BIN overrides the peer (e.g. a suite built from a source checkout).
const conformance = process.env.WHARF_CONFORMANCE_BIN ?? requirePeer('conformance');
const conformanceMain = process.env.WHARF_CONFORMANCE_MAIN_BIN ?? requirePeer('conformance-main');

interface JunitSummary {
  total: number;
  passed: number;
  failed: string[];
  skipped: string[];
}

/** Counts Ginkgo's junit.xml test cases by outcome. */
function parseJunit(xml: string): JunitSummary {
  const cases = xml.split('<testcase').slice(1);
  const failed: string[] = [];
  const skipped: string[] = [];
  let passed = 0;
  for (const c of cases) {
    const name = /name="([^"]*)"/.exec(c)?.[1] ?? '?';
    // Suite-level nodes (the HTML reporter) are not specs.
    if (!name.startsWith(PREFIX)) continue;
    const end = c.indexOf('</testcase>');
    const body = end >= 0 ? c.slice(0, end) : c;
    if (/<failure|<error/.test(body)) failed.push(name);
    else if (/<skipped/.test(body) || /status="skipped"/.test(c)) skipped.push(name);
    else passed++;
  }
  return { total: cases.length, passed, failed, skipped };
}

const PREFIX = 'OCI Distribution Conformance Tests ';
/**
 * Specs the suite itself skips in a push-enabled run: setup alternatives for pre-seeded
 * registries (OCI_TAG_NAME / OCI_TAG_LIST), and the "mount with from answered 202" branch
 * (Wharf answers 201, so the 201 branch runs instead).
 */
const ALWAYS_SKIPPED = [
  'Pull Setup Get tag name from environment',
  'Content Discovery Setup Populate registry with test tags (no push)',
  'Push Cross-Repository Blob Mount Cross-mounting of nonexistent blob should yield session id',
];
const AUTO_ON =
  'Push Cross-Repository Blob Mount Cross-mounting without from, and automatic content discovery enabled should return a 201';
const AUTO_OFF =
  'Push Cross-Repository Blob Mount Cross-mounting without from, and automatic content discovery disabled should return a 202';

const RUNS = [
  { crossmount: undefined, automatic: true, skipped: [...ALWAYS_SKIPPED, AUTO_ON, AUTO_OFF] },
  { crossmount: '1', automatic: true, skipped: [...ALWAYS_SKIPPED, AUTO_OFF] },
  { crossmount: '0', automatic: false, skipped: [...ALWAYS_SKIPPED, AUTO_ON] },
] as const;

describe.skipIf(conformance === undefined)('OCI conformance suite v1.1.1', () => {
  const servers = new Map<boolean, LiveServer>();
  beforeAll(async () => {
    servers.set(true, await startLive());
    servers.set(false, await startLive({ mount: { automatic: false } }));
  });
  afterAll(async () => {
    for (const s of servers.values()) await s.close();
  });

  for (const { crossmount, automatic, skipped } of RUNS) {
    const label = crossmount ?? 'unset';
    it(`passes every spec it runs with OCI_AUTOMATIC_CROSSMOUNT=${label}`, async () => {
      const live = servers.get(automatic) as LiveServer;
      const reportDir = mkdtempSync(path.join(os.tmpdir(), 'wharf-conformance-'));
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        OCI_ROOT_URL: live.url,
        OCI_NAMESPACE: `conformance/${label}/repo`,
        OCI_CROSSMOUNT_NAMESPACE: `conformance/${label}/other`,
        OCI_TEST_PULL: '1',
        OCI_TEST_PUSH: '1',
        OCI_TEST_CONTENT_DISCOVERY: '1',
        OCI_TEST_CONTENT_MANAGEMENT: '1',
        OCI_REPORT_DIR: reportDir,
      };
      if (crossmount !== undefined) env.OCI_AUTOMATIC_CROSSMOUNT = crossmount;
      try {
        const result = await run(conformance as string, [], {
          env,
          cwd: reportDir,
          timeoutMs: 300_000,
        });
        const summary = parseJunit(readFileSync(path.join(reportDir, 'junit.xml'), 'utf8'));
        const specs = summary.passed + summary.failed.length + summary.skipped.length;
        console.log(
          `conformance v1.1.1 OCI_AUTOMATIC_CROSSMOUNT=${label}: ${summary.passed} passed, ` +
            `${summary.failed.length} failed, ${summary.skipped.length} skipped of ${specs}`,
        );
        if (summary.failed.length > 0)
          console.log(result.stdout.replaceAll(String.fromCharCode(27), '').slice(-20_000));
        expect(summary.failed).toEqual([]);
        expect(summary.skipped.map((n) => n.replace(PREFIX, '')).sort()).toEqual(
          [...skipped].sort(),
        );
        expect(specs).toBe(79);
        expect(summary.passed).toBe(79 - skipped.length);
        expect(result.code).toBe(0);
      } finally {
        rmSync(reportDir, { recursive: true, force: true });
      }
    }, 400_000);
  }
});

/** Reads `Name....: 12` counters from the redesigned suite's summary. */
function summaryCount(out: string, label: string): number | undefined {
  const m = new RegExp(`^\\s+${label}\\.+:\\s+(\\d+)\\s*$`, 'm').exec(out);
  return m ? Number(m[1]) : undefined;
}

describe.skipIf(conformanceMain === undefined)('OCI conformance suite (redesigned, main)', () => {
  let live: LiveServer;
  beforeAll(async () => {
    live = await startLive();
  });
  afterAll(async () => {
    await live.close();
  });

  // 1.1 is the target; dev adds upload cancel, digest headers and tag parameters.
  for (const version of ['1.1', 'dev'] as const) {
    it(`passes at OCI_VERSION=${version}`, async () => {
      const resultsDir = mkdtempSync(path.join(os.tmpdir(), 'wharf-conformance-main-'));
      try {
        const result = await run(conformanceMain as string, [], {
          cwd: resultsDir,
          timeoutMs: 300_000,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            OCI_REGISTRY: live.host,
            OCI_TLS: 'disabled',
            OCI_REPO1: `conformance-main/${version}/repo1`,
            OCI_REPO2: `conformance-main/${version}/repo2`,
            OCI_VERSION: version,
            OCI_RESULTS_DIR: path.join(resultsDir, 'results'),
          },
        });
        const out = result.stdout + result.stderr;
        const counts = {
          pass: summaryCount(out, 'Pass'),
          fail: summaryCount(out, 'FAIL'),
          error: summaryCount(out, 'Error'),
          skip: summaryCount(out, 'Skip'),
          disabled: summaryCount(out, 'Disabled'),
          total: summaryCount(out, 'Total'),
        };
        console.log(`conformance main OCI_VERSION=${version}: ${JSON.stringify(counts)}`);
        if (result.code !== 0) console.log(out.slice(-20_000));
        expect(counts.fail).toBe(0);
        expect(counts.error).toBe(0);
        expect(counts.skip).toBe(0);
        expect(counts.pass).toBeGreaterThan(0);
        expect(result.code).toBe(0);
      } finally {
        rmSync(resultsDir, { recursive: true, force: true });
      }
    }, 400_000);
  }
});
