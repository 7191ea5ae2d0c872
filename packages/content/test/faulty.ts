import { ContentError, type Descriptor } from '@wharf/core';
import type { PushContent, SignalOptions, Target } from '../src/types.js';

export interface Faults {
  /** Throw after this many bytes of the given digest have been streamed. */
  failAfter?: { digest: string; bytes: number };
  /** Flip a byte in this digest's content. */
  corrupt?: string;
  /** Throw from push for this digest. */
  failPush?: string;
  /** Delay each chunk by this many ms. */
  chunkDelayMs?: number;
  /** Called on every chunk streamed from fetch. */
  onChunk?: (desc: Descriptor, sent: number) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wraps a target, injecting faults and counting fetches and concurrency. */
export class FaultyTarget implements Target {
  readonly inner: Target;
  faults: Faults;
  readonly fetches = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;

  constructor(inner: Target, faults: Faults = {}) {
    this.inner = inner;
    this.faults = faults;
  }

  #enter(): void {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }

  async fetch(desc: Descriptor, options: SignalOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    this.fetches.set(desc.digest, (this.fetches.get(desc.digest) ?? 0) + 1);
    const inner = await this.inner.fetch(desc, options);
    const faults = this.faults;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    self.#enter();
    return (async function* () {
      let sent = 0;
      try {
        for await (const big of inner) {
          for (let i = 0; i < big.byteLength; i += 256 * 1024) {
            let chunk = big.subarray(i, i + 256 * 1024);
            if (faults.chunkDelayMs) await sleep(faults.chunkDelayMs);
            if (
              faults.failAfter?.digest === desc.digest &&
              sent + chunk.byteLength > faults.failAfter.bytes
            ) {
              throw new ContentError('IO_ERROR', `injected failure after ${sent} bytes`);
            }
            if (faults.corrupt === desc.digest && i === 0) {
              chunk = new Uint8Array(chunk);
              chunk[0] = (chunk[0]! + 1) & 0xff;
            }
            sent += chunk.byteLength;
            faults.onChunk?.(desc, sent);
            yield chunk;
          }
        }
      } finally {
        self.inFlight--;
      }
    })();
  }

  async push(desc: Descriptor, content: PushContent, options: SignalOptions = {}): Promise<void> {
    if (this.faults.failPush === desc.digest)
      throw new ContentError('IO_ERROR', 'injected push failure');
    this.#enter();
    try {
      if (this.faults.chunkDelayMs) await sleep(this.faults.chunkDelayMs);
      await this.inner.push(desc, content, options);
    } finally {
      this.inFlight--;
    }
  }

  exists(desc: Descriptor): Promise<boolean> {
    return this.inner.exists(desc);
  }

  resolve(reference: string): Promise<Descriptor> {
    return this.inner.resolve(reference);
  }

  tag(desc: Descriptor, reference: string): Promise<void> {
    return this.inner.tag(desc, reference);
  }
}
