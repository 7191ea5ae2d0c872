import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchAll, OciLayoutStore } from '@wharf/content';
import { isWharfError } from '@wharf/core';
import { makeWorkDir, parseFileArg, prepareFile, readFileInto, titleFor } from './files.js';
import { BufferPool, pushBlob, SMALL_BLOB_BYTES } from './push.js';
import { parseFormat, parseHeaders, remoteFlags } from './options.js';
import { Progress, PULL_VERBS, PUSH_VERBS, COPY_VERBS, humanSize } from './progress.js';
import { safeJoin } from './pull.js';
import { splitReference } from './target.js';
import { node, renderTree, yamlScalar } from './tree.js';

const blob = {
  mediaType: 'application/vnd.oci.image.layer.v1.tar',
  digest: 'sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
  size: 2_000_000,
  annotations: { 'org.opencontainers.image.title': 'hi.txt' },
};

function capture(isTTY: boolean): {
  out: { write(s: string): void; isTTY: boolean };
  text: () => string;
} {
  let text = '';
  return { out: { write: (s: string) => (text += s), isTTY }, text: () => text };
}

describe('status lines', () => {
  it('pads verbs like oras in each command family', () => {
    const c = capture(false);
    const push = new Progress(c.out, PUSH_VERBS, { tty: false, enabled: true });
    push.start(blob);
    push.done(blob);
    push.done(blob, 'exists');
    new Progress(c.out, PULL_VERBS, { tty: false, enabled: true }).done(blob, 'processing');
    new Progress(c.out, COPY_VERBS, { tty: false, enabled: true }).done(blob, 'mounted');
    expect(c.text()).toBe(
      'Uploading 5891b5b522d5 hi.txt\n' +
        'Uploaded  5891b5b522d5 hi.txt\n' +
        'Exists    5891b5b522d5 hi.txt\n' +
        'Processing  5891b5b522d5 hi.txt\n' +
        'Mounted 5891b5b522d5 hi.txt\n',
    );
  });

  it('prints nothing for JSON output', () => {
    const c = capture(false);
    const p = new Progress(c.out, PUSH_VERBS, { tty: false, enabled: false });
    p.start(blob);
    p.done(blob);
    expect(c.text()).toBe('');
  });

  it('draws bars with throughput on a TTY and a ✓ line when done', async () => {
    const c = capture(true);
    let now = 1_000;
    const p = new Progress(c.out, PUSH_VERBS, { tty: true, enabled: true, now: () => now });
    p.start(blob);
    now += 1_000;
    p.bytes(blob, 1_000_000);
    await new Promise((r) => setTimeout(r, 260));
    expect(c.text()).toMatch(
      /\[.*\]\(1\.00 MB\/s\) Uploading hi\.txt {2}1\.00 MB\/2\.00 MB 50\.00% 1s/,
    );
    expect(c.text()).toContain(`  └─ ${blob.digest}`);
    p.done(blob);
    p.stop();
    expect(c.text()).toContain('✓ Uploaded  hi.txt  2.00 MB/2.00 MB 100.00% 1s');
    expect(humanSize(10)).toBe('10 B');
  });
});

describe('discover tree', () => {
  it('renders box drawing like oras', () => {
    const tree = node('root', [node('a', [node('a1')]), node('b')]);
    expect(renderTree(tree)).toBe('root\n├── a\n│   └── a1\n└── b\n');
  });

  it('quotes annotation values as go-yaml does', () => {
    expect(yamlScalar('v')).toBe('v');
    expect(yamlScalar('hello world')).toBe('hello world');
    expect(yamlScalar('2026-11-22T03:48:14Z')).toBe('"2026-11-22T03:48:14Z"');
    expect(yamlScalar('123')).toBe('"123"');
    expect(yamlScalar('1.5')).toBe('"1.5"');
    expect(yamlScalar('true')).toBe('"true"');
    expect(yamlScalar('null')).toBe('"null"');
    expect(yamlScalar('')).toBe('""');
    expect(yamlScalar('n')).toBe("'n'");
    expect(yamlScalar('a: b')).toBe("'a: b'");
    expect(yamlScalar('it"s')).toBe('it"s');
  });
});

describe('arguments', () => {
  it('splits references with tag lists and digests', () => {
    expect(splitReference('localhost:5000/a/b:v1,v2')).toEqual({
      name: 'localhost:5000/a/b',
      tags: ['v1', 'v2'],
      digest: undefined,
    });
    expect(splitReference('layout@sha256:abc')).toEqual({
      name: 'layout',
      tags: [],
      digest: 'sha256:abc',
    });
    expect(splitReference('localhost:5000/a')).toEqual({
      name: 'localhost:5000/a',
      tags: [],
      digest: undefined,
    });
  });

  it('parses file[:mediaType]', () => {
    expect(parseFileArg('a.txt:text/plain')).toEqual({ path: 'a.txt', mediaType: 'text/plain' });
    expect(parseFileArg('a.txt')).toEqual({ path: 'a.txt', mediaType: undefined });
    expect(() => parseFileArg('a.txt:')).toThrow(/empty media type/);
  });

  it('refuses absolute and parent titles on push unless validation is off', () => {
    expect(titleFor('dir/', false)).toBe('dir');
    expect(() => titleFor('/etc/passwd', false)).toThrow(/not allowed/);
    expect(() => titleFor('../x', false)).toThrow(/not allowed/);
    expect(titleFor('../x', true)).toBe('../x');
  });

  it('keeps pulled paths inside the output directory', () => {
    expect(safeJoin('/out', 'a/b.txt', false)).toBe('/out/a/b.txt');
    expect(() => safeJoin('/out', '../../etc/passwd', false)).toThrow(
      /outside the output directory/,
    );
    expect(() => safeJoin('/out', 'a/../../x', false)).toThrow(/outside/);
    expect(() => safeJoin('/out', '/etc/passwd', false)).toThrow(/absolute/);
    expect(() => safeJoin('/out', '.', false)).toThrow(/outside/);
    expect(safeJoin('/out', '../x', true)).toBe('/x');
  });

  it('validates --format, headers and prefixed remote flags', () => {
    expect(parseFormat(undefined, ['text', 'json'], 'text')).toBe('text');
    expect(() => parseFormat('go-template={{.digest}}', ['text', 'json'], 'text')).toThrow(
      /not supported/,
    );
    expect(() => parseFormat('yaml', ['text', 'json'], 'text')).toThrow(/unsupported format/);
    expect(parseHeaders(['X-A: 1', 'x-b:2'])).toEqual({ 'x-a': '1', 'x-b': '2' });
    expect(() => parseHeaders(['nocolon'])).toThrow(/invalid header/);
    expect(
      remoteFlags({ fromPlainHttp: true, toOciLayout: true, fromHeader: ['a: b'] }, 'from'),
    ).toEqual({
      plainHttp: true,
      header: ['a: b'],
    });
  });
});

describe('pushing files', () => {
  it('sends small files from one reused buffer and large ones streamed, each with its own bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-oras-push-'));
    const work = await makeWorkDir();
    try {
      const files = {
        'a.bin': randomBytes(300 * 1024),
        'b.txt': Buffer.from('second file'),
        'c.bin': randomBytes(SMALL_BLOB_BYTES + 1),
      };
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
      const store = await OciLayoutStore.open(join(dir, 'layout'), { create: true });
      const pool = new BufferPool(SMALL_BLOB_BYTES);
      const progress = new Progress(capture(false).out, PUSH_VERBS, { tty: false, enabled: false });
      const signal = new AbortController().signal;
      const descs = [];
      for (const name of Object.keys(files)) {
        const blob = await prepareFile(parseFileArg(name), dir, work, {
          disablePathValidation: false,
          annotations: undefined,
        });
        await pushBlob(store, blob, progress, signal, true, pool);
        descs.push(blob.descriptor);
      }
      for (const [i, bytes] of Object.values(files).entries()) {
        expect(Buffer.from(await fetchAll(store, descs[i]!))).toEqual(bytes);
      }
      // Both small files went through the same buffer: it holds the last one's bytes.
      const reused = pool.take();
      expect(reused.subarray(0, files['b.txt'].byteLength)).toEqual(files['b.txt']);
      expect(pool.take()).not.toBe(reused);
    } finally {
      await work.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file whose size changed after it was hashed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-oras-push-'));
    try {
      writeFileSync(join(dir, 'f'), 'twelve bytes');
      const buf = Buffer.alloc(64);
      expect((await readFileInto(join(dir, 'f'), 12, buf)).toString()).toBe('twelve bytes');
      for (const size of [11, 13]) {
        const err = await readFileInto(join(dir, 'f'), size, buf).catch((e: unknown) => e);
        expect(isWharfError(err, 'DIGEST_MISMATCH')).toBe(true);
        expect(String(err)).toMatch(/changed while pushing/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
