import { NotaryError } from './errors.js';
import { decodeUtf8 } from './encoding.js';

/** The signed descriptor (`targetArtifact`). */
export interface TargetArtifact {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly artifactType?: string;
}

/** The `application/vnd.cncf.notary.payload.v1+json` document. */
export interface NotaryPayload {
  readonly targetArtifact: TargetArtifact;
}

function bad(msg: string): never {
  throw new NotaryError('ENVELOPE_MALFORMED', `payload: ${msg}`);
}

/**
 * Parses payload bytes (after the signature was checked).
 *
 * @throws NotaryError `ENVELOPE_MALFORMED`
 */
export function parsePayload(bytes: Uint8Array): NotaryPayload {
  let doc: unknown;
  try {
    doc = JSON.parse(decodeUtf8(bytes, 'payload'));
  } catch (err) {
    if (err instanceof NotaryError) throw err;
    bad('not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) bad('not a JSON object');
  const t = (doc as { targetArtifact?: unknown }).targetArtifact;
  if (typeof t !== 'object' || t === null || Array.isArray(t)) bad('targetArtifact is missing');
  const d = t as Record<string, unknown>;
  if (typeof d.mediaType !== 'string' || d.mediaType === '')
    bad('targetArtifact.mediaType is missing');
  if (
    typeof d.digest !== 'string' ||
    !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(d.digest)
  ) {
    bad('targetArtifact.digest is missing or invalid');
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0)
    bad('targetArtifact.size is invalid');
  let annotations: Record<string, string> | undefined;
  if (d.annotations !== undefined) {
    if (
      typeof d.annotations !== 'object' ||
      d.annotations === null ||
      Array.isArray(d.annotations)
    ) {
      bad('targetArtifact.annotations must be an object');
    }
    annotations = {};
    for (const [k, v] of Object.entries(d.annotations)) {
      if (typeof v !== 'string') bad(`annotation "${k}" must be a string`);
      annotations[k] = v;
    }
  }
  return {
    targetArtifact: {
      mediaType: d.mediaType,
      digest: d.digest,
      size: d.size,
      ...(annotations ? { annotations } : {}),
      ...(typeof d.artifactType === 'string' ? { artifactType: d.artifactType } : {}),
    },
  };
}

/**
 * Encodes a payload like notation-go does for signing: only mediaType, digest, size and
 * annotations are kept (struct order).
 */
export function encodePayload(target: TargetArtifact): Uint8Array {
  const t: Record<string, unknown> = {
    mediaType: target.mediaType,
    digest: target.digest,
    size: target.size,
  };
  if (target.annotations && Object.keys(target.annotations).length > 0)
    t.annotations = target.annotations;
  return new Uint8Array(Buffer.from(JSON.stringify({ targetArtifact: t }), 'utf8'));
}

/**
 * Merges user metadata (`-m k=v`) into the descriptor's annotations. Keys starting with
 * `io.cncf.notary` and keys already on the descriptor are rejected.
 *
 * @throws NotaryError `INVALID_ARGUMENT`
 */
export function addUserMetadata(
  target: TargetArtifact,
  metadata: Readonly<Record<string, string>> | undefined,
): TargetArtifact {
  if (!metadata || Object.keys(metadata).length === 0) return target;
  const annotations: Record<string, string> = { ...(target.annotations ?? {}) };
  for (const [k, v] of Object.entries(metadata)) {
    if (k.startsWith('io.cncf.notary')) {
      throw new NotaryError(
        'INVALID_ARGUMENT',
        `user metadata key "${k}" is reserved (io.cncf.notary prefix)`,
      );
    }
    if (k in annotations) {
      throw new NotaryError(
        'INVALID_ARGUMENT',
        `user metadata key "${k}" is already present on the target artifact`,
      );
    }
    annotations[k] = v;
  }
  return { ...target, annotations };
}
