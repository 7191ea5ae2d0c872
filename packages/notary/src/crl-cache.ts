/**
 * A file cache for CRLs in notation's layout: `{cache}/crl/<hex sha256(url)>` holding
 * `{"baseCRL":"<base64 DER>","deltaCRL":"<base64 DER>"}` (notary.md §3.4). An entry whose CRL is
 * past its nextUpdate (or has none) is a miss; the cache never decides revocation, it only saves
 * fetches. Cache errors are reported once through `onCacheError` and otherwise ignored.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asn1Schema, asn1X509 } from './asn1.js';
import { NotaryError, errorMessage } from './errors.js';
import type { RevocationFetcher } from './revocation.js';

const { AsnConvert } = asn1Schema;
const { CertificateList } = asn1X509;

/** notation's warning when a cache error was discarded. */
export const CRL_CACHE_WARNING =
  "Warning: CRL cache error discarded. Enable debug log through '-d' for error details.";

/** Largest cache file read (a CRL is at most 32 MiB; base64 and JSON add a third). */
const MAX_ENTRY_BYTES = 48 * 1024 * 1024;

/** Options of {@link createCachingCrlFetcher}. */
export interface CrlCacheOptions {
  /** The `crl` directory, e.g. `~/.cache/notation/crl`. */
  readonly dir: string;
  /** Fetches a CRL on a miss. */
  readonly fetchCrl: (url: string) => Promise<Uint8Array>;
  /** "Now" for the nextUpdate check (default: the current time). */
  readonly now?: () => Date;
  /**
   * Called for each discarded cache error (unreadable or malformed entry, failed write). The CLI
   * prints {@link CRL_CACHE_WARNING} once and the error with `-d`.
   */
  readonly onCacheError?: (err: NotaryError) => void;
}

/** The cache file of a CRL URL. */
export function crlCachePath(dir: string, url: string): string {
  return join(dir, createHash('sha256').update(url).digest('hex'));
}

/** The CRL's nextUpdate, or undefined when it has none. Throws on a malformed CRL. */
function nextUpdate(der: Uint8Array): Date | undefined {
  return AsnConvert.parse(der, CertificateList).tbsCertList.nextUpdate?.getTime();
}

/**
 * Reads a fresh cache entry: the base CRL if present, parseable and not past nextUpdate.
 *
 * @throws NotaryError `REVOCATION_INVALID` for a malformed entry (the caller discards it)
 */
export async function readCachedCrl(
  dir: string,
  url: string,
  now: Date = new Date(),
): Promise<Uint8Array | undefined> {
  const path = crlCachePath(dir, url);
  const st = await lstat(path).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isFile() || st.size > MAX_ENTRY_BYTES) {
    throw new NotaryError(
      'REVOCATION_INVALID',
      `CRL cache entry ${path} is not a regular file of a sane size`,
    );
  }
  let der: Uint8Array;
  let next: Date | undefined;
  try {
    const doc = JSON.parse(await readFile(path, 'utf8')) as { baseCRL?: unknown };
    if (typeof doc.baseCRL !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(doc.baseCRL)) {
      throw new TypeError('baseCRL is missing or not base64');
    }
    der = new Uint8Array(Buffer.from(doc.baseCRL, 'base64'));
    next = nextUpdate(der);
  } catch (err) {
    throw new NotaryError(
      'REVOCATION_INVALID',
      `CRL cache entry ${path} is malformed: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  if (!next || next.getTime() <= now.getTime()) return undefined;
  return der;
}

/**
 * Writes a cache entry atomically (temp file, rename).
 *
 * @throws NotaryError `REVOCATION_INVALID` when the write fails
 */
export async function writeCachedCrl(dir: string, url: string, der: Uint8Array): Promise<void> {
  const path = crlCachePath(dir, url);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(tmp, JSON.stringify({ baseCRL: Buffer.from(der).toString('base64') }), {
      mode: 0o600,
      flag: 'wx',
    });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new NotaryError('REVOCATION_INVALID', `cannot write CRL cache entry ${path}`, {
      cause: err,
    });
  }
}

/**
 * Wraps a CRL fetcher with the file cache: a fresh entry is returned without fetching; otherwise
 * the CRL is fetched and, when it parses and carries a future nextUpdate, stored.
 *
 * @example
 * const fetcher = { fetchCrl: createCachingCrlFetcher({ dir: paths.crlCacheDir, fetchCrl: httpGet }) };
 */
export function createCachingCrlFetcher(
  options: CrlCacheOptions,
): NonNullable<RevocationFetcher['fetchCrl']> {
  const now = options.now ?? (() => new Date());
  const report = (err: unknown): void => {
    options.onCacheError?.(
      err instanceof NotaryError
        ? err
        : new NotaryError('REVOCATION_INVALID', errorMessage(err), { cause: err }),
    );
  };
  return async (url: string): Promise<Uint8Array> => {
    try {
      const hit = await readCachedCrl(options.dir, url, now());
      if (hit) return hit;
    } catch (err) {
      report(err);
    }
    const der = await options.fetchCrl(url);
    let next: Date | undefined;
    try {
      next = nextUpdate(der);
    } catch {
      // Not a CRL: the revocation checker reports it; nothing to cache.
      return der;
    }
    if (next && next.getTime() > now().getTime()) {
      await writeCachedCrl(options.dir, url, der).catch(report);
    }
    return der;
  };
}
