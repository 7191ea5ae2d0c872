import { Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { SbomError } from '../errors.js';

/** Layer media types the walker reads; compression is sniffed from the bytes as well. */
const LAYER_TYPE =
  /^application\/vnd\.(oci\.image\.layer\.(nondistributable\.)?v1\.tar|docker\.image\.rootfs\.(diff|foreign\.diff)\.tar)(\+gzip|\+zstd|\.gzip|\.zstd)?$/;

/** True when `mediaType` is an OCI or Docker layer type (plain, gzip or zstd). */
export function isLayerMediaType(mediaType: string): boolean {
  return LAYER_TYPE.test(mediaType);
}

class ZstdTransform extends Transform {
  readonly #zstd: Decompress;
  constructor() {
    super();
    this.#zstd = new Decompress((chunk) => {
      this.push(chunk);
    });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.#zstd.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      done();
    } catch (err) {
      done(err as Error);
    }
  }
  override _flush(done: TransformCallback): void {
    try {
      this.#zstd.push(new Uint8Array(0), true);
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}

async function* prepend(
  first: Uint8Array,
  rest: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield first;
  for (;;) {
    const r = await rest.next();
    if (r.done === true) return;
    yield r.value;
  }
}

/**
 * Turns a layer blob into a stream of tar bytes. gzip and zstd are recognised by their magic
 * numbers (whatever the media type says); anything else is read as a plain tar.
 */
export async function decompressLayer(
  blob: AsyncIterable<Uint8Array>,
  mediaType: string,
): Promise<Readable> {
  if (!isLayerMediaType(mediaType)) {
    throw new SbomError('UNSUPPORTED_MEDIA_TYPE', `not a layer media type: ${mediaType}`, {
      detail: { mediaType },
    });
  }
  const it = blob[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done === true) return Readable.from([]);
  const head = first.value;
  const source = Readable.from(prepend(head, it), { objectMode: false });
  if (head[0] === 0x1f && head[1] === 0x8b)
    return pipe(source, createGunzip({ chunkSize: 256 * 1024 }));
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    return pipe(source, new ZstdTransform());
  }
  return source;
}

function pipe(source: Readable, transform: Transform): Readable {
  source.on('error', (err) => transform.destroy(err));
  return source.pipe(transform);
}
