import type { SignatureAlgorithm } from '../algorithms.js';

/** Envelope media types. */
export type EnvelopeMediaType = 'application/jose+json' | 'application/cose';

/** Signing schemes. */
export type SigningScheme = 'notary.x509' | 'notary.x509.signingAuthority';

/** Envelope format short names (CLI `--signature-format`). */
export type EnvelopeFormat = 'jws' | 'cose';

/** A user-defined signed attribute (protected header member / label). */
export interface ExtendedAttribute {
  readonly key: string;
  readonly value: unknown;
  readonly critical: boolean;
}

/** Header names defined by the Notary Project. */
export const HEADER = {
  signingScheme: 'io.cncf.notary.signingScheme',
  signingTime: 'io.cncf.notary.signingTime',
  authenticSigningTime: 'io.cncf.notary.authenticSigningTime',
  expiry: 'io.cncf.notary.expiry',
  verificationPlugin: 'io.cncf.notary.verificationPlugin',
  verificationPluginMinVersion: 'io.cncf.notary.verificationPluginMinVersion',
  timestampSignature: 'io.cncf.notary.timestampSignature',
  signingAgent: 'io.cncf.notary.signingAgent',
} as const;

/** Everything an envelope carries, decoded. Raw bytes are kept for signature checks. */
export interface ParsedEnvelope {
  readonly mediaType: EnvelopeMediaType;
  /** Payload bytes exactly as signed. */
  readonly payload: Uint8Array;
  readonly contentType: string;
  readonly algorithm: SignatureAlgorithm;
  readonly signingScheme: SigningScheme;
  /** `io.cncf.notary.signingTime` (notary.x509 only; untrusted). */
  readonly signingTime?: Date;
  /** `io.cncf.notary.authenticSigningTime` (signingAuthority only). */
  readonly authenticSigningTime?: Date;
  readonly expiry?: Date;
  readonly verificationPlugin?: string;
  readonly verificationPluginMinVersion?: string;
  readonly extendedAttributes: readonly ExtendedAttribute[];
  /** DER certificates, leaf first. */
  readonly certificateChain: readonly Uint8Array[];
  /** Raw RFC 3161 TimeStampToken (DER). */
  readonly timestampToken?: Uint8Array;
  readonly signingAgent?: string;
  /** The primitive signature (raw `r||s` for ECDSA). */
  readonly signature: Uint8Array;
  /** Bytes the signature covers (JWS signing input or COSE Sig_structure). */
  readonly signedInput: Uint8Array;
  /** The protected header as decoded (JWS: JSON object; COSE: label → value). */
  readonly protectedHeader: Readonly<Record<string, unknown>>;
}

/** Everything needed to build an envelope, except the signature. */
export interface EnvelopeContent {
  readonly payload: Uint8Array;
  readonly algorithm: SignatureAlgorithm;
  readonly signingScheme: SigningScheme;
  /** Signing time (x509: signingTime; SA: authenticSigningTime). Truncated to seconds. */
  readonly signingTime: Date;
  readonly expiry?: Date;
  readonly extendedAttributes?: readonly ExtendedAttribute[];
  readonly signingAgent?: string;
}
