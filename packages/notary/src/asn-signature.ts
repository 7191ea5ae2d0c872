import { verify, constants, type KeyObject } from 'node:crypto';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { asn1Rsa, asn1Schema } from './asn1.js';

const { AsnConvert } = asn1Schema;

/** Digest OIDs → node hash names. */
export const DIGEST_OIDS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** Node hash name → digest OID. */
export const HASH_OIDS: Readonly<Record<string, string>> = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};

const SIG_HASH: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

/**
 * Verifies a PKIX/CMS signature described by an AlgorithmIdentifier (RSA PKCS#1 v1.5, RSASSA-PSS,
 * ECDSA with SHA-2). `digestOid` is used for the bare rsaEncryption / ecPublicKey OIDs (CMS).
 * SHA-1 and unknown algorithms return false.
 */
export function verifyAsnSignature(
  alg: AlgorithmIdentifier,
  data: Uint8Array,
  signature: Uint8Array,
  key: KeyObject,
  digestOid?: string,
): boolean {
  try {
    const oid = alg.algorithm;
    if (oid === '1.2.840.113549.1.1.10') {
      if (!alg.parameters) return false;
      const p = AsnConvert.parse(alg.parameters, asn1Rsa().RsaSaPssParams);
      const hash = DIGEST_OIDS[p.hashAlgorithm.algorithm];
      if (!hash || hash === 'sha1') return false;
      return verify(
        hash,
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength },
        signature,
      );
    }
    let hash = SIG_HASH[oid];
    if (!hash && (oid === '1.2.840.113549.1.1.1' || oid === '1.2.840.10045.2.1') && digestOid) {
      hash = DIGEST_OIDS[digestOid];
    }
    if (!hash || hash === 'sha1') return false;
    return verify(hash, data, key, signature);
  } catch {
    return false;
  }
}
