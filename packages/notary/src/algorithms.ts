import { constants, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { NotaryError } from './errors.js';

/** Notary signing algorithms (plugin `signingAlgorithm` names). */
export type SignatureAlgorithm =
  | 'RSASSA-PSS-SHA-256'
  | 'RSASSA-PSS-SHA-384'
  | 'RSASSA-PSS-SHA-512'
  | 'ECDSA-SHA-256'
  | 'ECDSA-SHA-384'
  | 'ECDSA-SHA-512';

/** Key specs (plugin `keySpec` names). */
export type KeySpec = 'RSA-2048' | 'RSA-3072' | 'RSA-4096' | 'EC-256' | 'EC-384' | 'EC-521';

/** Hash algorithms (plugin `hashAlgorithm` names). */
export type HashAlgorithm = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** One row of the notary.md §1.3 algorithm table. */
export interface AlgorithmInfo {
  readonly algorithm: SignatureAlgorithm;
  readonly keySpec: KeySpec;
  readonly jws: 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';
  readonly cose: number;
  readonly hash: HashAlgorithm;
  /** node:crypto hash name. */
  readonly nodeHash: 'sha256' | 'sha384' | 'sha512';
  readonly hashLength: number;
  /** Raw `r||s` length for ECDSA, undefined for RSA. */
  readonly ecSignatureLength?: number;
}

/** The notary.md §1.3 algorithm table; nothing else is accepted. */
export const ALGORITHMS: readonly AlgorithmInfo[] = [
  row('RSASSA-PSS-SHA-256', 'RSA-2048', 'PS256', -37, 'SHA-256'),
  row('RSASSA-PSS-SHA-384', 'RSA-3072', 'PS384', -38, 'SHA-384'),
  row('RSASSA-PSS-SHA-512', 'RSA-4096', 'PS512', -39, 'SHA-512'),
  row('ECDSA-SHA-256', 'EC-256', 'ES256', -7, 'SHA-256', 64),
  row('ECDSA-SHA-384', 'EC-384', 'ES384', -35, 'SHA-384', 96),
  row('ECDSA-SHA-512', 'EC-521', 'ES512', -36, 'SHA-512', 132),
];

function row(
  algorithm: SignatureAlgorithm,
  keySpec: KeySpec,
  jws: AlgorithmInfo['jws'],
  cose: number,
  hash: HashAlgorithm,
  ecSignatureLength?: number,
): AlgorithmInfo {
  const nodeHash = hash === 'SHA-256' ? 'sha256' : hash === 'SHA-384' ? 'sha384' : 'sha512';
  const hashLength = hash === 'SHA-256' ? 32 : hash === 'SHA-384' ? 48 : 64;
  return {
    algorithm,
    keySpec,
    jws,
    cose,
    hash,
    nodeHash,
    hashLength,
    ...(ecSignatureLength === undefined ? {} : { ecSignatureLength }),
  };
}

/** Looks up by Notary algorithm name. */
export function algorithmInfo(algorithm: SignatureAlgorithm): AlgorithmInfo {
  const info = ALGORITHMS.find((a) => a.algorithm === algorithm);
  if (!info) {
    throw new NotaryError('UNSUPPORTED_ALGORITHM', `unsupported signature algorithm ${algorithm}`);
  }
  return info;
}

/** Looks up by JWS `alg`; undefined for `none`, HMAC, RS256 and anything else. */
export function algorithmFromJws(alg: string): AlgorithmInfo | undefined {
  return ALGORITHMS.find((a) => a.jws === alg);
}

/** Looks up by COSE `alg` label value. */
export function algorithmFromCose(alg: number): AlgorithmInfo | undefined {
  return ALGORITHMS.find((a) => a.cose === alg);
}

/**
 * Derives the key spec from a public or private key: RSA 2048/3072/4096 or EC P-256/384/521.
 *
 * @throws NotaryError `UNSUPPORTED_ALGORITHM` naming the key type/size
 */
export function keySpecOf(key: KeyObject): KeySpec {
  // `asymmetricKeyDetails` is a native call that builds a new object each time; a KeyObject
  // never changes, and a verification asks several times for the same leaf key.
  let spec = KEY_SPECS.get(key);
  if (spec === undefined) {
    spec = keySpecUncached(key);
    KEY_SPECS.set(key, spec);
  }
  return spec;
}

const KEY_SPECS = new WeakMap<KeyObject, KeySpec>();

function keySpecUncached(key: KeyObject): KeySpec {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength;
    if (bits === 2048 || bits === 3072 || bits === 4096) return `RSA-${bits}`;
    throw new NotaryError(
      'UNSUPPORTED_ALGORITHM',
      `key check: RSA key size ${String(bits)} is not supported (2048, 3072 or 4096 bits)`,
    );
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = details.namedCurve;
    if (curve === 'prime256v1') return 'EC-256';
    if (curve === 'secp384r1') return 'EC-384';
    if (curve === 'secp521r1') return 'EC-521';
    {
      throw new NotaryError(
        'UNSUPPORTED_ALGORITHM',
        `key check: EC curve ${String(details.namedCurve)} is not supported (P-256, P-384, P-521)`,
      );
    }
  }
  throw new NotaryError(
    'UNSUPPORTED_ALGORITHM',
    `key check: key type ${String(key.asymmetricKeyType)} is not supported (RSA or EC)`,
  );
}

/** The algorithm the key decides (notary.md §1.3). */
export function algorithmForKey(key: KeyObject): AlgorithmInfo {
  const spec = keySpecOf(key);
  return ALGORITHMS.find((a) => a.keySpec === spec) as AlgorithmInfo;
}

/**
 * Signs `data` with the algorithm: RSASSA-PSS (MGF1 same hash, salt = hash length) or ECDSA
 * with a raw `r||s` signature.
 */
export function signWithKey(
  key: KeyObject,
  algorithm: SignatureAlgorithm,
  data: Uint8Array,
): Uint8Array {
  const info = algorithmInfo(algorithm);
  const derived = algorithmForKey(key);
  if (derived.algorithm !== algorithm) {
    throw new NotaryError(
      'UNSUPPORTED_ALGORITHM',
      `algorithm check: key ${derived.keySpec} requires ${derived.algorithm}, not ${algorithm}`,
    );
  }
  if (info.ecSignatureLength === undefined) {
    return new Uint8Array(
      sign(info.nodeHash, data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: info.hashLength,
      }),
    );
  }
  return new Uint8Array(sign(info.nodeHash, data, { key, dsaEncoding: 'ieee-p1363' }));
}

/** Options for {@link verifyWithKey}. */
export interface VerifyWithKeyOptions {
  /** Accept any PSS salt length (golang-jwt's JWS verifier is lenient); default false. */
  readonly anyPssSaltLength?: boolean;
}

/**
 * Verifies a raw signature. Returns false on a bad signature; the key must match the algorithm.
 *
 * @throws NotaryError `UNSUPPORTED_ALGORITHM` on a key/algorithm mismatch
 */
export function verifyWithKey(
  key: KeyObject,
  algorithm: SignatureAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
  options: VerifyWithKeyOptions = {},
): boolean {
  const info = algorithmInfo(algorithm);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const derived = algorithmForKey(pub);
  if (derived.algorithm !== algorithm) {
    throw new NotaryError(
      'UNSUPPORTED_ALGORITHM',
      `algorithm check: signing key ${derived.keySpec} requires ${derived.algorithm} but the envelope declares ${algorithm}`,
    );
  }
  try {
    if (info.ecSignatureLength === undefined) {
      return verify(
        info.nodeHash,
        data,
        {
          key: pub,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: options.anyPssSaltLength ? constants.RSA_PSS_SALTLEN_AUTO : info.hashLength,
        },
        signature,
      );
    }
    if (signature.length !== info.ecSignatureLength) return false;
    return verify(info.nodeHash, data, { key: pub, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}
