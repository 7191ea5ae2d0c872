import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  algorithmForKey,
  keySpecOf,
  signWithKey,
  type KeySpec,
  type SignatureAlgorithm,
} from './algorithms.js';
import { parseCertificates } from './cert.js';
import { NotaryError, errorMessage } from './errors.js';

/**
 * Produces raw signatures. Local keys, plugins and HSMs implement this.
 *
 * @example const sig = await signer.sign(bytes, 'ECDSA-SHA-256');
 */
export interface Signer {
  /** The key spec (decides the algorithm). */
  keySpec(): Promise<KeySpec>;
  /** Signs `payload` (hashing included) and returns the raw signature (`r||s` for ECDSA). */
  sign(payload: Uint8Array, algorithm: SignatureAlgorithm): Promise<Uint8Array>;
  /** DER certificates, leaf first, ending in the root. */
  certificateChain(): Promise<readonly Uint8Array[]>;
  /**
   * For signers that only learn their chain when they sign (plugins' `generate-signature`
   * returns both): when present, {@link signEnvelope} calls this instead of `sign` and
   * `certificateChain`, and validates the returned chain afterwards.
   */
  signWithCertificateChain?(
    payload: Uint8Array,
    algorithm: SignatureAlgorithm,
  ): Promise<{ signature: Uint8Array; certificateChain: readonly Uint8Array[] }>;
  /** Appended to the signing agent after a space (plugins: `<name>/<version>`). */
  readonly signingAgentSuffix?: string;
}

/**
 * A signer over a PEM private key (PKCS#8, PKCS#1 or SEC1) and a PEM certificate chain
 * (leaf first). The key must match the leaf certificate.
 */
export class LocalKeySigner implements Signer {
  readonly #key: KeyObject;
  readonly #chain: readonly Uint8Array[];
  readonly #spec: KeySpec;

  private constructor(key: KeyObject, chain: readonly Uint8Array[], spec: KeySpec) {
    this.#key = key;
    this.#chain = chain;
    this.#spec = spec;
  }

  /**
   * @throws NotaryError `KEY_INVALID` | `CERT_INVALID` | `UNSUPPORTED_ALGORITHM`
   * @example const s = LocalKeySigner.fromPem(keyPem, certPem);
   */
  static fromPem(keyPem: string | Uint8Array, certChainPem: string | Uint8Array): LocalKeySigner {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: Buffer.from(keyPem), format: 'pem' });
    } catch (err) {
      // Never echo key material; node's message does not contain it.
      throw new NotaryError(
        'KEY_INVALID',
        'private key could not be parsed (PEM PKCS#8, PKCS#1 or SEC1 expected)',
        {
          cause: err,
        },
      );
    }
    const certs = parseCertificates(
      typeof certChainPem === 'string' ? certChainPem : Buffer.from(certChainPem).toString('utf8'),
    );
    const leaf = certs[0];
    if (!leaf) throw new NotaryError('CERT_INVALID', 'certificate chain is empty');
    const spec = keySpecOf(key);
    const pub = createPublicKey(key).export({ type: 'spki', format: 'der' });
    const leafPub = leaf.publicKey.export({ type: 'spki', format: 'der' });
    if (Buffer.compare(pub, leafPub) !== 0) {
      throw new NotaryError('KEY_INVALID', 'private key does not match the leaf certificate');
    }
    return new LocalKeySigner(
      key,
      certs.map((c) => c.der),
      spec,
    );
  }

  keySpec(): Promise<KeySpec> {
    return Promise.resolve(this.#spec);
  }

  sign(payload: Uint8Array, algorithm: SignatureAlgorithm): Promise<Uint8Array> {
    try {
      return Promise.resolve(signWithKey(this.#key, algorithm, payload));
    } catch (err) {
      if (err instanceof NotaryError) return Promise.reject(err);
      return Promise.reject(
        new NotaryError('SIGNING_FAILED', `signing failed: ${errorMessage(err)}`, { cause: err }),
      );
    }
  }

  certificateChain(): Promise<readonly Uint8Array[]> {
    return Promise.resolve(this.#chain);
  }

  /** The algorithm this key decides. */
  algorithm(): SignatureAlgorithm {
    return algorithmForKey(this.#key).algorithm;
  }
}
