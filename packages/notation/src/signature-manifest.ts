import { createHash } from 'node:crypto';
import {
  ARTIFACT_TYPE_NOTARY_SIGNATURE,
  EMPTY_JSON_BYTES,
  EMPTY_JSON_DIGEST,
  MEDIA_TYPE_COSE,
  MEDIA_TYPE_JWS,
  MEDIA_TYPE_OCI_EMPTY,
  MEDIA_TYPE_OCI_MANIFEST,
  digestBytes,
  isDigest,
  type Descriptor,
} from '@wharf/core';
import type { EnvelopeMediaType } from '@wharf/notary';
import { NotationError } from './errors.js';

/** Annotation holding the JSON array of SHA-256 thumbprints of the envelope's chain. */
export const ANNOTATION_X509_THUMBPRINTS = 'io.cncf.notary.x509chain.thumbprint#S256';
/** Annotation holding the signing time (UTC, RFC 3339 seconds). */
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
/** The withdrawn OCI artifact manifest media type, still read (envelope in `blobs[0]`). */
export const MEDIA_TYPE_OCI_ARTIFACT_MANIFEST = 'application/vnd.oci.artifact.manifest.v1+json';
/** Max signature manifest size (notation-go). */
export const MAX_SIGNATURE_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Max envelope blob size (notation-go). */
export const MAX_ENVELOPE_BLOB_BYTES = 32 * 1024 * 1024;

/**
 * Signature manifest forms: `oci-1.1` (artifactType + empty config, notation v2 and the spec)
 * and `legacy` (config media type = the signature artifact type, notation ≤ v1.3).
 */
export type SignatureManifestForm = 'oci-1.1' | 'legacy';

/** Inputs of {@link buildSignatureManifest}. */
export interface BuildSignatureManifestOptions {
  readonly envelope: Uint8Array;
  readonly envelopeMediaType: EnvelopeMediaType;
  /** DER certificates as embedded in the envelope (leaf first). */
  readonly certificateChain: readonly Uint8Array[];
  readonly signingTime: Date;
  /** The signed manifest (only mediaType, digest and size are kept). */
  readonly subject: Descriptor;
  /** Default `oci-1.1`. */
  readonly form?: SignatureManifestForm;
  /** Extra manifest annotations (plugin `generate-envelope` responses). */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A built signature manifest and the blobs it references. */
export interface BuiltSignatureManifest {
  readonly bytes: Uint8Array;
  /** The manifest descriptor, with `artifactType` and annotations as a referrers index lists it. */
  readonly descriptor: Descriptor;
  readonly envelopeDescriptor: Descriptor;
  readonly configDescriptor: Descriptor;
  readonly configBytes: Uint8Array;
}

/** RFC 3339 in UTC with whole seconds. */
function utcSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Builds a Notary signature manifest: one layer (the envelope), the subject, the chain
 * thumbprint annotation (lowercase hex) and `org.opencontainers.image.created`.
 *
 * @example const m = buildSignatureManifest({ envelope, envelopeMediaType, certificateChain, signingTime, subject });
 */
export function buildSignatureManifest(
  options: BuildSignatureManifestOptions,
): BuiltSignatureManifest {
  const form = options.form ?? 'oci-1.1';
  const envelopeDescriptor: Descriptor = {
    mediaType: options.envelopeMediaType,
    digest: digestBytes(options.envelope),
    size: options.envelope.byteLength,
  };
  const configDescriptor: Descriptor =
    form === 'oci-1.1'
      ? { mediaType: MEDIA_TYPE_OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2, data: 'e30=' }
      : { mediaType: ARTIFACT_TYPE_NOTARY_SIGNATURE, digest: EMPTY_JSON_DIGEST, size: 2 };
  const annotations: Record<string, string> = {
    ...(options.annotations ?? {}),
    [ANNOTATION_X509_THUMBPRINTS]: JSON.stringify(
      options.certificateChain.map((c) => createHash('sha256').update(c).digest('hex')),
    ),
    [ANNOTATION_CREATED]: utcSeconds(options.signingTime),
  };
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    ...(form === 'oci-1.1' ? { artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE } : {}),
    config: configDescriptor,
    layers: [envelopeDescriptor],
    subject: {
      mediaType: options.subject.mediaType,
      digest: options.subject.digest,
      size: options.subject.size,
    },
    annotations,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  return {
    bytes,
    descriptor: {
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      digest: digestBytes(bytes),
      size: bytes.byteLength,
      artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE,
      annotations,
    },
    envelopeDescriptor,
    configDescriptor,
    configBytes: EMPTY_JSON_BYTES,
  };
}

/** A signature manifest as read. */
export interface SignatureManifest {
  readonly form: SignatureManifestForm | 'artifact-manifest';
  /** The envelope blob (`application/jose+json` or `application/cose`). */
  readonly envelope: Descriptor & { readonly mediaType: EnvelopeMediaType };
  readonly subject: Descriptor | undefined;
  readonly annotations: Readonly<Record<string, string>>;
  /** Thumbprints from the annotation (lowercased), when present and well formed. */
  readonly thumbprints: readonly string[] | undefined;
}

function bad(msg: string): never {
  throw new NotationError('SIGNATURE_MANIFEST_INVALID', `signature manifest: ${msg}`);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function descriptorAt(v: unknown, where: string): Descriptor {
  if (!isObject(v)) bad(`${where} must be a descriptor object`);
  const { mediaType, digest, size } = v;
  if (typeof mediaType !== 'string' || mediaType === '') bad(`${where}.mediaType is missing`);
  if (typeof digest !== 'string' || !isDigest(digest)) bad(`${where}.digest is not a valid digest`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    bad(`${where}.size must be a non-negative integer`);
  return { mediaType, digest, size };
}

/**
 * Parses a Notary signature manifest in either form (and the withdrawn OCI artifact manifest),
 * enforcing the field rules: OCI image manifest media type; `artifactType` (when present) is the
 * signature type with an empty-JSON config, else the config media type is the signature type;
 * exactly one layer whose media type selects the envelope parser.
 *
 * @throws NotationError `SIGNATURE_MANIFEST_INVALID`
 */
export function parseSignatureManifest(bytes: Uint8Array, mediaType?: string): SignatureManifest {
  if (bytes.byteLength > MAX_SIGNATURE_MANIFEST_BYTES)
    bad(`larger than ${MAX_SIGNATURE_MANIFEST_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    bad('not valid UTF-8 JSON');
  }
  if (!isObject(doc)) bad('not a JSON object');
  const mt = doc['mediaType'] ?? mediaType;
  if (mediaType !== undefined && doc['mediaType'] !== undefined && doc['mediaType'] !== mediaType)
    bad(`mediaType ${JSON.stringify(doc['mediaType'])} does not match "${mediaType}"`);
  const annotations: Record<string, string> = {};
  if (doc['annotations'] !== undefined) {
    if (!isObject(doc['annotations'])) bad('annotations must be an object');
    for (const [k, v] of Object.entries(doc['annotations'])) {
      if (typeof v !== 'string') bad(`annotation "${k}" must be a string`);
      annotations[k] = v;
    }
  }
  let form: SignatureManifest['form'];
  let blobs: unknown;
  if (mt === MEDIA_TYPE_OCI_MANIFEST) {
    if (doc['schemaVersion'] !== 2) bad('schemaVersion must be 2');
    const config = descriptorAt(doc['config'], 'config');
    const artifactType = doc['artifactType'];
    if (artifactType !== undefined) {
      if (artifactType !== ARTIFACT_TYPE_NOTARY_SIGNATURE)
        bad(
          `artifactType ${JSON.stringify(artifactType)} is not ${ARTIFACT_TYPE_NOTARY_SIGNATURE}`,
        );
      if (config.mediaType !== MEDIA_TYPE_OCI_EMPTY)
        bad(`config.mediaType must be ${MEDIA_TYPE_OCI_EMPTY} when artifactType is set`);
      form = 'oci-1.1';
    } else {
      if (config.mediaType !== ARTIFACT_TYPE_NOTARY_SIGNATURE)
        bad(`config.mediaType must be ${ARTIFACT_TYPE_NOTARY_SIGNATURE} without artifactType`);
      form = 'legacy';
    }
    blobs = doc['layers'];
  } else if (mt === MEDIA_TYPE_OCI_ARTIFACT_MANIFEST) {
    if (doc['artifactType'] !== ARTIFACT_TYPE_NOTARY_SIGNATURE)
      bad(`artifactType must be ${ARTIFACT_TYPE_NOTARY_SIGNATURE}`);
    form = 'artifact-manifest';
    blobs = doc['blobs'];
  } else {
    bad(`mediaType must be ${MEDIA_TYPE_OCI_MANIFEST}, got ${JSON.stringify(mt)}`);
  }
  if (!Array.isArray(blobs)) bad('layers must be an array');
  if (blobs.length !== 1) bad(`expected exactly one envelope layer, found ${blobs.length}`);
  const env = descriptorAt(blobs[0], 'layers[0]');
  if (env.mediaType !== MEDIA_TYPE_JWS && env.mediaType !== MEDIA_TYPE_COSE)
    bad(`unsupported signature envelope media type "${env.mediaType}"`);
  if (env.size > MAX_ENVELOPE_BLOB_BYTES)
    bad(`envelope size ${env.size} exceeds ${MAX_ENVELOPE_BLOB_BYTES} bytes`);
  const subject =
    doc['subject'] === undefined ? undefined : descriptorAt(doc['subject'], 'subject');
  let thumbprints: string[] | undefined;
  const raw = annotations[ANNOTATION_X509_THUMBPRINTS];
  if (raw !== undefined) {
    try {
      const arr = JSON.parse(raw) as unknown;
      if (Array.isArray(arr) && arr.every((x) => typeof x === 'string'))
        thumbprints = arr.map((x) => x.toLowerCase());
    } catch {
      thumbprints = undefined;
    }
  }
  return {
    form,
    envelope: { ...env, mediaType: env.mediaType },
    subject,
    annotations,
    thumbprints,
  };
}
