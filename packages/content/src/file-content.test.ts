import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isWharfError } from '@wharf/core';
import { FileContent } from './file-content.js';

const dir = mkdtempSync(join(tmpdir(), 'wharf-file-content-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FileContent', () => {
  const bytes = randomBytes(2.5 * 1024 * 1024);
  const file = join(dir, 'f.bin');
  writeFileSync(file, bytes);

  it('yields the first size bytes in full chunks, each in a fresh buffer, with running totals', async () => {
    const totals: number[] = [];
    const content = new FileContent(file, bytes.byteLength - 10, {
      onBytes: (n) => totals.push(n),
    });
    const chunks: Uint8Array[] = [];
    for await (const c of content) chunks.push(c);
    expect(chunks.map((c) => c.byteLength)).toEqual([1048576, 1048576, 524278]);
    expect(new Set(chunks.map((c) => c.buffer)).size).toBe(3);
    expect(Buffer.concat(chunks)).toEqual(bytes.subarray(0, bytes.byteLength - 10));
    expect(totals).toEqual([1048576, 2097152, bytes.byteLength - 10]);
  });

  it('reusingChunks alternates two buffers; consumed chunk by chunk, the bytes are right', async () => {
    const seen: ArrayBufferLike[] = [];
    const copies: Buffer[] = [];
    for await (const c of new FileContent(file, bytes.byteLength).reusingChunks()) {
      seen.push(c.buffer);
      copies.push(Buffer.from(c));
    }
    expect(seen).toHaveLength(3);
    expect(seen[0]).toBe(seen[2]);
    expect(seen[0]).not.toBe(seen[1]);
    expect(Buffer.concat(copies)).toEqual(bytes);
  });

  it('refuses a file shorter than the size', async () => {
    const err = await (async () => {
      for await (const _ of new FileContent(file, bytes.byteLength + 1)) {
        // read on
      }
    })().catch((e: unknown) => e);
    expect(isWharfError(err, 'SIZE_MISMATCH')).toBe(true);
  });

  it('handles an empty file', async () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    const chunks: Uint8Array[] = [];
    for await (const c of new FileContent(empty, 0)) chunks.push(c);
    expect(chunks).toEqual([]);
  });
});
