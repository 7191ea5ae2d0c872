import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileRange, writeStream } from './io.js';
import { readAll } from '../internal/bytes.js';
import { sameBytes, tempDir } from '../../test/helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.cleanup();
});

describe('writeStream / readFileRange', () => {
  it('writes mixed tiny and large chunks in order and reads ranges back', async () => {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 1000; i++) parts.push(new Uint8Array(7).fill(i & 0xff));
    parts.push(new Uint8Array(0));
    parts.push(new Uint8Array(9 * 1024 * 1024 + 5).fill(3));
    for (let i = 0; i < 300; i++) parts.push(new Uint8Array(1).fill(i & 0xff));
    const expected = Buffer.concat(parts);
    async function* source(): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      yield* parts;
    }
    const path = join(dir.path, 'f');
    const fh = await open(path, 'w');
    expect(await writeStream(fh, source())).toBe(expected.byteLength);
    await fh.close();
    expect(sameBytes(await readFile(path), expected)).toBe(true);
    const range = await readAll(readFileRange(path, 6990, 5 * 1024 * 1024));
    expect(sameBytes(range, expected.subarray(6990, 6990 + 5 * 1024 * 1024))).toBe(true);
    // Reading past the end yields what exists (callers check sizes).
    const tail = await readAll(readFileRange(path, expected.byteLength - 10, 100));
    expect(tail.byteLength).toBe(10);
  });
});
