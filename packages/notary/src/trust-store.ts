import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSelfSigned, parseCertificates, type Certificate } from './cert.js';
import { NotaryError, errorMessage } from './errors.js';
import type { TrustStoreRef } from './trust-policy.js';

/** Trust store types. */
export type TrustStoreType = TrustStoreRef['type'];

/**
 * Source of trust anchors for a named store. Implementations do the I/O; `verify()` only
 * calls this interface.
 */
export interface TrustStore {
  /**
   * Returns the certificates of `type:name`.
   * @throws NotaryError `TRUST_STORE_INVALID` when missing, empty or invalid
   */
  certificates(type: TrustStoreType, name: string): Promise<readonly Certificate[]>;
}

function invalid(msg: string, cause?: unknown): never {
  throw new NotaryError('TRUST_STORE_INVALID', msg, cause === undefined ? undefined : { cause });
}

/**
 * Checks store certificates: each must be a CA or a self-signed cert; `tsa` stores require
 * self-signed roots.
 *
 * @throws NotaryError `TRUST_STORE_INVALID`
 */
export function validateStoreCertificates(
  type: TrustStoreType,
  name: string,
  certs: readonly Certificate[],
): void {
  if (certs.length === 0) {
    invalid(`no x509 certificates were found in trust store "${name}" of type "${type}"`);
  }
  for (const c of certs) {
    const selfSigned = isSelfSigned(c);
    if (!c.basicConstraints?.ca && !selfSigned) {
      invalid(
        `trust store ${type}:${name}: certificate "${c.subject}" is neither a CA nor self-signed`,
      );
    }
    if (type === 'tsa' && !selfSigned) {
      invalid(`trust store ${type}:${name}: certificate "${c.subject}" is not a self-signed root`);
    }
  }
}

/**
 * A trust store held in memory, keyed `type:name` (PEM text or DER bytes per entry).
 *
 * @example createMemoryTrustStore({ 'ca:acme': [rootPem] })
 */
export function createMemoryTrustStore(
  entries: Readonly<Record<string, readonly (string | Uint8Array)[]>>,
): TrustStore {
  const parsed = new Map<string, Certificate[]>();
  const validated = new Set<string>();
  for (const [key, values] of Object.entries(entries)) {
    parsed.set(
      key,
      values.flatMap((v) => parseCertificates(v)),
    );
  }
  return {
    certificates(type, name) {
      return Promise.resolve().then(() => {
        const certs = parsed.get(`${type}:${name}`);
        if (!certs) invalid(`trust store "${name}" of type "${type}" does not exist`);
        if (!validated.has(`${type}:${name}`)) {
          validateStoreCertificates(type, name, certs);
          validated.add(`${type}:${name}`);
        }
        return certs;
      });
    },
  };
}

/** The file operations the directory loader needs (defaults to node:fs/promises). */
export interface TrustStoreFs {
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Uint8Array>;
  lstat(
    path: string,
  ): Promise<{ isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }>;
}

const nodeFs: TrustStoreFs = {
  readdir: (p) => readdir(p),
  readFile: (p) => readFile(p),
  lstat: (p) => lstat(p),
};

/**
 * Loads stores from the notation directory layout `<root>/x509/{ca,signingAuthority,tsa}/<name>/*`
 * (root is `{NOTATION_CONFIG}/truststore`). Every regular file is read (PEM or DER, several
 * certs per PEM file); symlinks and sub-directories are errors. The only I/O of trust
 * evaluation lives here.
 */
export function createDirectoryTrustStore(root: string, fs: TrustStoreFs = nodeFs): TrustStore {
  return {
    async certificates(type, name) {
      if (!/^[a-zA-Z0-9_.-]+$/.test(name) || name === '.' || name === '..')
        invalid(`invalid trust store name "${name}"`);
      const dir = join(root, 'x509', type, name);
      let st;
      try {
        st = await fs.lstat(dir);
      } catch (err) {
        invalid(`trust store "${name}" of type "${type}" does not exist`, err);
      }
      if (st.isSymbolicLink())
        invalid(`trust store ${type}:${name} is a symlink, which is not allowed`);
      if (!st.isDirectory()) invalid(`trust store ${type}:${name} is not a directory`);
      const certs: Certificate[] = [];
      for (const file of (await fs.readdir(dir)).sort()) {
        const path = join(dir, file);
        const fst = await fs.lstat(path);
        if (fst.isSymbolicLink())
          invalid(`trust store ${type}:${name}: "${file}" is a symlink, which is not allowed`);
        if (fst.isDirectory())
          invalid(`trust store ${type}:${name}: "${file}" is a directory, which is not allowed`);
        if (!fst.isFile()) continue;
        try {
          certs.push(...parseCertificates(await fs.readFile(path)));
        } catch (err) {
          invalid(`trust store ${type}:${name}: "${file}": ${errorMessage(err)}`, err);
        }
      }
      validateStoreCertificates(type, name, certs);
      return certs;
    },
  };
}
