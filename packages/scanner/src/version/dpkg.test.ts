import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWharfError } from '@wharf/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare, parse } from './dpkg.js';
import type { Ordering } from './types.js';

/** Hand-picked orderings from deb-version(7) and the dpkg test suite's documented cases. */
const TABLE: ReadonlyArray<readonly [string, '<' | '=' | '>', string]> = [
  ['1.0~~', '<', '1.0~~a'],
  ['1.0~~a', '<', '1.0~'],
  ['1.0~', '<', '1.0'],
  ['1.0', '<', '1.0a'],
  ['1.0~rc1', '<', '1.0'],
  ['1:0.1', '>', '2.0'],
  ['1.0a', '<', '1.0+'],
  ['1.0+deb12u1', '>', '1.0'],
  ['1.0', '=', '1.0-0'],
  ['1.0', '<', '1.0-1'],
  ['0:1.0', '=', '1.0'],
  ['00:1.0', '=', '0:1.0'],
  ['1.001', '=', '1.1'],
  ['1.2.3-1', '<', '1.2.3-1+b1'],
  ['1.2.3-1~bpo12+1', '<', '1.2.3-1'],
  ['2:1.0-1', '>', '1:9.9-9'],
  ['1.0-1.1', '>', '1.0-1'],
  ['1.0-a', '>', '1.0-9'],
  ['1.0.0', '>', '1.0'],
  ['1.0a', '<', '1.0.0'],
  ['9', '<', '10'],
  ['1-2-3', '>', '1-2'],
  ['3.0.15-1~deb12u1', '<', '3.0.15-1'],
  ['123456789012345678901234567890', '<', '123456789012345678901234567891'],
];

const EXPECT: Record<'<' | '=' | '>', Ordering> = { '<': -1, '=': 0, '>': 1 };

describe('dpkg table', () => {
  it.each(TABLE)('%s %s %s', (a, op, b) => {
    expect(compare(a, b)).toBe(EXPECT[op]);
    expect(compare(b, a)).toBe(-EXPECT[op] || 0);
  });

  it.each(['', ' ', ':1', '1:', 'a:1', '1.0-', 'abc', '1.0$', '1 0', '-1'])(
    'rejects %j with INVALID_VERSION',
    (v) => {
      expect(() => parse(v)).toThrow(/invalid dpkg version/);
      try {
        parse(v);
      } catch (err) {
        expect(isWharfError(err, 'INVALID_VERSION')).toBe(true);
      }
    },
  );

  it('splits epoch, upstream and the last-hyphen revision', () => {
    expect(parse('2:1.0-rc-1')).toEqual({ epoch: '2', upstream: '1.0-rc', revision: '1' });
    expect(parse('1.0')).toEqual({ epoch: '0', upstream: '1.0', revision: '' });
  });
});

// ---------------------------------------------------------------------------------------------
// Real pairs from this machine's package lists, checked against `dpkg --compare-versions`.

const MIN_PAIRS = 10_000;
const MAX_PAIRS = 10_400;
const LISTS = '/var/lib/apt/lists';

/** Reads Package/Source/Version and versioned relations from a Packages or status file. */
function collectVersions(text: string, into: Map<string, Set<string>>): void {
  const add = (name: string, version: string) => {
    let set = into.get(name);
    if (set === undefined) into.set(name, (set = new Set()));
    set.add(version);
  };
  for (const stanza of text.split(/\n\n+/)) {
    const fields = new Map<string, string>();
    let last = '';
    for (const line of stanza.split('\n')) {
      if (/^\s/.test(line) && last !== '') fields.set(last, `${fields.get(last) ?? ''} ${line}`);
      else {
        const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
        if (m?.[1] !== undefined) fields.set((last = m[1]), m[2] ?? '');
      }
    }
    const pkg = fields.get('Package');
    const version = fields.get('Version');
    if (pkg === undefined || version === undefined) continue;
    add(pkg, version);
    const src = /^(\S+)(?:\s+\((\S+)\))?/.exec(fields.get('Source') ?? '');
    if (src?.[1] !== undefined) {
      add(src[1], src[2] ?? version);
      add(pkg, src[2] ?? version);
    }
    for (const f of ['Depends', 'Pre-Depends', 'Breaks', 'Replaces', 'Conflicts', 'Recommends']) {
      for (const m of (fields.get(f) ?? '').matchAll(
        /([a-z0-9][a-z0-9+.-]+)(?::\w+)?\s*\(\s*(?:<<|<=|=|>=|>>)\s*([^)\s]+)\s*\)/g,
      )) {
        if (m[1] !== undefined && m[2] !== undefined) add(m[1], m[2]);
      }
    }
  }
}

function readLists(): Map<string, Set<string>> {
  const byName = new Map<string, Set<string>>();
  collectVersions(readFileSync('/var/lib/dpkg/status', 'utf8'), byName);
  const files = existsSync(LISTS)
    ? readdirSync(LISTS).filter((f) => /_Packages(\.\w+)?$/.test(f))
    : [];
  for (const f of files.sort()) {
    const path = join(LISTS, f);
    const text = f.endsWith('_Packages')
      ? readFileSync(path, 'utf8')
      : execFileSync('/usr/lib/apt/apt-helper', ['cat-file', path], {
          maxBuffer: 1 << 30,
          encoding: 'utf8',
        });
    collectVersions(text, byName);
  }
  return byName;
}

/** mulberry32: a tiny deterministic PRNG, so the pair set is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildPairs(byName: Map<string, Set<string>>): Array<[string, string]> {
  const rand = prng(0x5eed7);
  const seen = new Set<string>();
  const out: Array<[string, string]> = [];
  const push = (a: string, b: string) => {
    const key = `${a} ${b}`;
    if (a === b || seen.has(key) || out.length >= MAX_PAIRS) return;
    seen.add(key);
    out.push([a, b]);
  };
  // 1. Same-name pairs: neighbours in string order (close versions, deep comparisons).
  const same: Array<[string, string]> = [];
  for (const name of [...byName.keys()].sort()) {
    const vs = [...(byName.get(name) ?? [])].sort();
    for (let i = 0; i + 1 < vs.length; i++) same.push([vs[i] as string, vs[i + 1] as string]);
  }
  const sameBudget = Math.floor(MAX_PAIRS * 0.7);
  for (const [a, b] of same) {
    if (same.length > sameBudget && rand() > sameBudget / same.length) continue;
    if (rand() < 0.5) push(a, b);
    else push(b, a);
  }
  // 2. Cross pairs with a fixed seed: half near neighbours in the global list, half uniform.
  const all = [...new Set([...byName.values()].flatMap((s) => [...s]))].sort();
  while (out.length < MAX_PAIRS && all.length > 1) {
    const i = Math.floor(rand() * all.length);
    const j =
      rand() < 0.5
        ? Math.min(all.length - 1, i + 1 + Math.floor(rand() * 3))
        : Math.floor(rand() * all.length);
    push(all[i] as string, all[j] as string);
  }
  return out;
}

const OP: Record<Ordering, string> = { [-1]: 'lt', 0: 'eq', 1: 'gt' };

describe('dpkg against dpkg --compare-versions on real version pairs', () => {
  let dir = '';
  let pairs: Array<[string, string]> = [];
  let ours: Array<Ordering | string> = [];
  let claims: string[] = [];
  let invocations = 0;
  let verdicts: string[] = [];

  beforeAll(() => {
    // Fails loudly (ENOENT) when dpkg is missing: the oracle is required, not optional.
    execFileSync('dpkg', ['--version'], { stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'wharf-dpkg-'));
    pairs = buildPairs(readLists());
    ours = pairs.map(([a, b]) => {
      try {
        return compare(a, b);
      } catch (err) {
        return String(err);
      }
    });
    // One dpkg process per pair asks whether *our* relation holds, so every claim must be true.
    // xargs runs them two at a time and exits 0 only if all of them did; `-t` echoes each
    // command, which proves every claim was executed.
    claims = pairs.map(([a, b], i) => {
      const r = ours[i];
      return `${a} ${typeof r === 'number' ? OP[r] : 'eq'} ${b}`;
    });
    writeFileSync(join(dir, 'claims.txt'), `${claims.join('\n')}\n`);
    const run = spawnSync('xargs', ['-t', '-n3', '-P2', 'dpkg', '--compare-versions'], {
      cwd: dir,
      input: `${claims.join('\n')}\n`,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      timeout: 110_000,
    });
    invocations = run.stderr
      .split('\n')
      .filter((l) => l.startsWith('dpkg --compare-versions ')).length;
    if (run.status === 0) {
      verdicts = claims.map(() => '1');
      return;
    }
    // Some claim failed: find which ones, one verdict per line (slow path, diagnostics only).
    const loop =
      'while read -r a op b; do if dpkg --compare-versions "$a" "$op" "$b" 2>/dev/null; ' +
      'then echo 1; else echo 0; fi; done < claims.txt';
    verdicts = execFileSync('bash', ['-c', loop], { cwd: dir, encoding: 'utf8', timeout: 300_000 })
      .trim()
      .split('\n');
  }, 320_000);

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it(`uses at least ${MIN_PAIRS} real pairs`, () => {
    expect(pairs.length).toBeGreaterThanOrEqual(MIN_PAIRS);
  });

  it('has a working oracle that ran every claim', () => {
    expect(spawnSync('dpkg', ['--compare-versions', '2.0', 'lt', '1.0']).status).toBe(1);
    expect(spawnSync('dpkg', ['--compare-versions', '1.0', 'eq', '1.0-0']).status).toBe(0);
    expect(invocations).toBe(claims.length);
    expect(verdicts.length).toBe(pairs.length);
  });

  it('agrees on every pair (zero disagreements)', () => {
    const disagreements = pairs
      .map(([a, b], i) => ({ a, b, ours: ours[i], dpkg: verdicts[i] }))
      .filter((d) => typeof d.ours !== 'number' || d.dpkg !== '1');
    expect(disagreements.slice(0, 20)).toEqual([]);
    expect(disagreements.length).toBe(0);
  });
});
