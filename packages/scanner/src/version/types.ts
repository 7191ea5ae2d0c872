/** The result of a three-way comparison. */
export type Ordering = -1 | 0 | 1;

/**
 * A version ordering for one ecosystem. `parse` validates and normalises one version string and
 * throws `ScanError('INVALID_VERSION')` with a reason; `compare` parses both sides and orders them.
 */
export interface VersionComparator<V = unknown> {
  /** Short name of the ordering (`dpkg`, `apk`, `rpm`, `semver`, `pep440`, `maven`, `go`). */
  readonly name: string;
  parse(version: string): V;
  compare(a: string, b: string): Ordering;
  /** Compares two already-parsed versions (avoids re-parsing in range walks). */
  compareParsed(a: V, b: V): Ordering;
}

/** Normalises any number to an {@link Ordering}. */
export function sign(n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Compares two strings of decimal digits (any length) numerically, without precision loss. */
export function compareDigits(a: string, b: string): Ordering {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}
