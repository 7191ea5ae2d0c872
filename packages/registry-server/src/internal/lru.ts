/** A byte-bounded LRU cache (Map insertion order). */
export class ByteLru {
  readonly #max: number;
  readonly #map = new Map<string, Uint8Array>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  get(key: string): Uint8Array | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: string, value: Uint8Array): void {
    if (value.byteLength > this.#max / 8) return;
    this.delete(key);
    this.#map.set(key, value);
    this.#bytes += value.byteLength;
    for (const [k, v] of this.#map) {
      if (this.#bytes <= this.#max) break;
      this.#map.delete(k);
      this.#bytes -= v.byteLength;
    }
  }

  delete(key: string): void {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#bytes -= v.byteLength;
    }
  }
}
