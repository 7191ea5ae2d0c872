import {
  ALGORITHMS,
  algorithmForKey,
  algorithmInfo,
  keySpecOf,
  verifyWithKey,
  type AlgorithmInfo,
  type KeySpec,
} from './algorithms.js';
import {
  findInvalidAt,
  parseCertificate,
  validateCertificateChain,
  type Certificate,
} from './cert.js';
import { truncateToSeconds } from './encoding.js';
import { envelopeMediaType, parseEnvelope, verifyEnvelopeSignature } from './envelope/index.js';
import { prepareCose } from './envelope/cose.js';
import { prepareJws } from './envelope/jws.js';
import type {
  EnvelopeFormat,
  EnvelopeMediaType,
  ExtendedAttribute,
  SigningScheme,
} from './envelope/types.js';
import { NotaryError, errorMessage } from './errors.js';
import { addUserMetadata, encodePayload, type TargetArtifact } from './payload.js';
import type { Signer } from './signer.js';
import { verifyTimestampToken, type Timestamper } from './timestamp.js';

/** Default signing agent. */
export const DEFAULT_SIGNING_AGENT = 'wharf/0.1.0';

/** Inputs of {@link signEnvelope}. */
export interface SignEnvelopeOptions {
  readonly format: EnvelopeFormat;
  /** The descriptor to sign (only mediaType, digest, size, annotations are kept). */
  readonly payload: TargetArtifact;
  readonly signer: Signer;
  readonly signingScheme?: SigningScheme;
  /** Default now; truncated to whole seconds. */
  readonly signingTime?: Date;
  readonly expiry?: Date;
  /** `-m k=v` metadata, merged into `targetArtifact.annotations`. */
  readonly userMetadata?: Readonly<Record<string, string>>;
  readonly extendedAttributes?: readonly ExtendedAttribute[];
  readonly signingAgent?: string;
  /** RFC 3161 countersigning (notary.x509 only). */
  readonly timestamper?: Timestamper;
  /** TSA roots to validate the returned token with (`--timestamp-root-cert`). */
  readonly timestampRoots?: readonly Uint8Array[];
}

/** A produced envelope. */
export interface SignedEnvelope {
  readonly bytes: Uint8Array;
  readonly mediaType: EnvelopeMediaType;
  /** DER chain as embedded, leaf first. */
  readonly certificateChain: readonly Uint8Array[];
  readonly signingTime: Date;
}

/**
 * Signs a descriptor into a JWS or COSE envelope: the key decides the algorithm, the chain
 * must satisfy the Notary certificate rules and be valid at signing time, the optional
 * timestamp is validated, and the result is re-parsed and re-verified before it is returned.
 *
 * @throws NotaryError `INVALID_ARGUMENT` | `CERT_CHAIN_INVALID` | `CERT_EXPIRED` | `SIGNING_FAILED` | `TIMESTAMP_INVALID`
 * @example
 * const { bytes } = await signEnvelope({ format: 'cose', payload: desc, signer });
 */
export async function signEnvelope(options: SignEnvelopeOptions): Promise<SignedEnvelope> {
  const scheme = options.signingScheme ?? 'notary.x509';
  const signingTime = truncateToSeconds(options.signingTime ?? new Date());
  const expiry = options.expiry ? truncateToSeconds(options.expiry) : undefined;
  if (expiry && expiry.getTime() <= signingTime.getTime()) {
    throw new NotaryError('INVALID_ARGUMENT', 'expiry must be after the signing time');
  }
  if (options.timestamper && scheme !== 'notary.x509') {
    throw new NotaryError(
      'INVALID_ARGUMENT',
      'timestamping is only supported with the notary.x509 signing scheme',
    );
  }
  const signer = options.signer;
  const deferredChain = signer.signWithCertificateChain !== undefined;
  let chainDer: readonly Uint8Array[] = [];
  let info: AlgorithmInfo;
  let spec: KeySpec;
  if (!deferredChain) {
    chainDer = await signer.certificateChain();
    checkChain(chainDer, signingTime);
    const leaf = parseCertificate(chainDer[0] as Uint8Array);
    info = algorithmForKey(leaf.publicKey);
    spec = await signer.keySpec();
    if (spec !== keySpecOf(leaf.publicKey)) {
      throw new NotaryError(
        'KEY_INVALID',
        `signer key spec ${spec} does not match the leaf certificate key ${info.keySpec}`,
      );
    }
  } else {
    spec = await signer.keySpec();
    info = ALGORITHMS.find((a) => a.keySpec === spec) as AlgorithmInfo;
  }
  const target = addUserMetadata(options.payload, options.userMetadata);
  const content = {
    payload: encodePayload(target),
    algorithm: info.algorithm,
    signingScheme: scheme,
    signingTime,
    ...(expiry ? { expiry } : {}),
    ...(options.extendedAttributes ? { extendedAttributes: options.extendedAttributes } : {}),
    signingAgent:
      (options.signingAgent ?? DEFAULT_SIGNING_AGENT) +
      (signer.signingAgentSuffix ? ` ${signer.signingAgentSuffix}` : ''),
  };
  const prepared = options.format === 'jws' ? prepareJws(content) : prepareCose(content);
  let signature: Uint8Array;
  if (signer.signWithCertificateChain) {
    const r = await signer.signWithCertificateChain(prepared.signingInput, info.algorithm);
    signature = r.signature;
    chainDer = r.certificateChain;
    checkChain(chainDer, signingTime);
  } else {
    signature = await signer.sign(prepared.signingInput, info.algorithm);
  }
  const chain = chainDer.map((d) => parseCertificate(d));
  const leaf = chain[0] as Certificate;
  if (keySpecOf(leaf.publicKey) !== spec) {
    throw new NotaryError(
      'KEY_INVALID',
      `signer key spec ${spec} does not match the leaf certificate key ${keySpecOf(leaf.publicKey)}`,
    );
  }
  if (!verifyWithKey(leaf.publicKey, info.algorithm, prepared.signingInput, signature)) {
    throw new NotaryError(
      'SIGNING_FAILED',
      'the signer returned a signature that does not verify with the leaf certificate',
    );
  }
  let token: Uint8Array | undefined;
  if (options.timestamper) {
    try {
      token = await options.timestamper.timestamp(signature, algorithmInfo(info.algorithm).hash);
    } catch (err) {
      if (err instanceof NotaryError) throw err;
      throw new NotaryError('TIMESTAMP_FAILED', `timestamping failed: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    if (options.timestampRoots) {
      const ts = verifyTimestampToken(token, { message: signature, roots: options.timestampRoots });
      const outside = chain.find((c) => ts.lower < c.notBefore || ts.upper > c.notAfter);
      if (outside)
        throw new NotaryError(
          'TIMESTAMP_INVALID',
          `timestamp is outside the validity of certificate "${outside.subject}"`,
        );
    }
  }
  const bytes = prepared.finish(signature, chainDer, token);
  const mediaType = envelopeMediaType(options.format);
  // Re-verify what we produced.
  verifyEnvelopeSignature(parseEnvelope(bytes, mediaType));
  return { bytes, mediaType, certificateChain: chainDer, signingTime };
}

/** The Notary chain rules, and validity at signing time. */
function checkChain(chainDer: readonly Uint8Array[], signingTime: Date): void {
  const chain = chainDer.map((d) => parseCertificate(d));
  if (!chain[0])
    throw new NotaryError('CERT_CHAIN_INVALID', 'signer returned an empty certificate chain');
  validateCertificateChain(chain, 'codeSigning');
  const bad = findInvalidAt(chain, signingTime);
  if (bad)
    throw new NotaryError(
      'CERT_EXPIRED',
      `certificate "${bad.subject}" is not valid at signing time ${signingTime.toISOString()}`,
    );
}
