import {
  assertValid,
  dockerListCheck,
  dockerManifestCheck,
  imageManifestCheck,
  ociIndexCheck,
  type Check,
} from './internal/schemas.js';
import { DocumentError } from './errors.js';
import { parseJsonBytes } from './json.js';
import {
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST,
  MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED_MANIFEST,
  MEDIA_TYPE_OCI_ARTIFACT_MANIFEST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
  isValidMediaType,
} from './media-types.js';
import type { Descriptor, ImageIndex, ImageManifest } from './types.js';

/** A parsed manifest: an image manifest (OCI or Docker schema 2) or an index (OCI or list). */
export type ManifestDocument =
  | { readonly kind: 'manifest'; readonly mediaType: string; readonly manifest: ImageManifest }
  | { readonly kind: 'index'; readonly mediaType: string; readonly index: ImageIndex };

/** Options for {@link parseManifest}. */
export interface ParseManifestOptions {
  /**
   * The media type the transport declared (e.g. the `Content-Type` of a manifest PUT).
   * Parameters are ignored. Must match the body's `mediaType` when both are present.
   */
  readonly mediaType?: string;
  /** Largest accepted document in bytes; default 4 MiB. */
  readonly maxBytes?: number;
  /** Deepest accepted JSON nesting; default 64. */
  readonly maxDepth?: number;
}

const CHECKS: Readonly<Record<string, { kind: 'manifest' | 'index'; check: Check }>> = {
  [MEDIA_TYPE_OCI_MANIFEST]: { kind: 'manifest', check: imageManifestCheck },
  [MEDIA_TYPE_DOCKER_MANIFEST]: { kind: 'manifest', check: dockerManifestCheck },
  [MEDIA_TYPE_OCI_INDEX]: { kind: 'index', check: ociIndexCheck },
  [MEDIA_TYPE_DOCKER_MANIFEST_LIST]: { kind: 'index', check: dockerListCheck },
};

/** Strips parameters and whitespace: `Application/X+json; charset=utf-8` → `application/x+json`. */
function essence(mediaType: string): string {
  return (mediaType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

function unsupported(mediaType: string): DocumentError {
  const schema1 =
    mediaType === MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST ||
    mediaType === MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED_MANIFEST;
  const reason = schema1
    ? 'Docker schema 1 manifests are deprecated and not supported'
    : mediaType === MEDIA_TYPE_OCI_ARTIFACT_MANIFEST
      ? 'the OCI artifact manifest was withdrawn from the image-spec; use an image manifest with artifactType'
      : 'not a manifest media type Wharf parses';
  return new DocumentError(
    'MEDIA_TYPE_UNSUPPORTED',
    `unsupported manifest media type ${mediaType}: ${reason}`,
    {
      detail: { field: 'mediaType', mediaType },
    },
  );
}

/** Chooses the media type from the declared type, the body's `mediaType`, or the shape. */
function resolveMediaType(body: Record<string, unknown>, declared: string | undefined): string {
  const own: unknown = body['mediaType'];
  if (own !== undefined && (typeof own !== 'string' || !isValidMediaType(own))) {
    throw new DocumentError('MEDIA_TYPE_INVALID', 'invalid mediaType: not an RFC 6838 media type', {
      detail: { field: 'mediaType' },
    });
  }
  if (declared !== undefined) {
    if (!isValidMediaType(declared)) {
      throw new DocumentError(
        'MEDIA_TYPE_INVALID',
        `invalid declared media type ${JSON.stringify(declared)}`,
        {
          detail: { field: 'mediaType', source: 'options' },
        },
      );
    }
    const want = essence(declared);
    if (own !== undefined && essence(own) !== want) {
      throw new DocumentError(
        'MEDIA_TYPE_MISMATCH',
        `declared media type ${want} does not match the document's mediaType ${own}`,
        { detail: { field: 'mediaType', declared: want, mediaType: own } },
      );
    }
    return own ?? want;
  }
  if (own !== undefined) return own;
  // No type anywhere: detect by shape, as registries do for the conformance suite's pushes.
  if (body['schemaVersion'] === 1) return MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST;
  const hasManifests = Object.hasOwn(body, 'manifests');
  const hasImageFields = Object.hasOwn(body, 'config') || Object.hasOwn(body, 'layers');
  if (hasManifests && !hasImageFields) return MEDIA_TYPE_OCI_INDEX;
  if (hasImageFields && !hasManifests) return MEDIA_TYPE_OCI_MANIFEST;
  throw new DocumentError(
    'MEDIA_TYPE_MISSING',
    hasManifests && hasImageFields
      ? 'document has no mediaType and is ambiguous: it has both manifests and config/layers'
      : 'document has no mediaType and is neither an index (manifests) nor a manifest (config + layers)',
    { detail: { field: 'mediaType' } },
  );
}

/**
 * Parses and validates a manifest or index: OCI image manifest, OCI image index, Docker
 * schema 2 manifest, or Docker manifest list. The returned objects are the parsed JSON itself,
 * so unknown fields are preserved. Size, UTF-8 and depth are checked before `JSON.parse`.
 *
 * The media type is `options.mediaType` and/or the body's `mediaType` (they must agree);
 * without either, a body with `manifests` is an OCI index and one with `config`/`layers` an
 * OCI manifest (having both is ambiguous).
 *
 * @throws DocumentError; `detail.field` names the JSON path (e.g. `layers[2].digest`).
 * @example
 * const doc = parseManifest(bytes, { mediaType: response.headers.get('content-type') ?? undefined });
 * if (doc.kind === 'index') for (const m of doc.index.manifests) console.log(m.digest);
 */
export function parseManifest(
  bytes: Uint8Array,
  options: ParseManifestOptions = {},
): ManifestDocument {
  const value = parseJsonBytes(bytes, {
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
  });
  return parseManifestValue(value, options.mediaType);
}

/**
 * Validates an already parsed JSON value as a manifest or index (see {@link parseManifest}).
 * @throws DocumentError
 */
export function parseManifestValue(value: unknown, mediaType?: string): ManifestDocument {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new DocumentError('NOT_AN_OBJECT', `manifest must be a JSON object, got ${got}`, {
      detail: { field: '' },
    });
  }
  const body = value as Record<string, unknown>;
  const resolved = resolveMediaType(body, mediaType);
  const entry = CHECKS[essence(resolved)];
  if (!entry) throw unsupported(essence(resolved));
  assertValid(entry.check, body, '', { mediaType: resolved });
  return entry.kind === 'manifest'
    ? { kind: 'manifest', mediaType: resolved, manifest: body as ImageManifest }
    : { kind: 'index', mediaType: resolved, index: body as ImageIndex };
}

function isDocker(doc: ManifestDocument): boolean {
  const t = essence(doc.mediaType);
  return t === MEDIA_TYPE_DOCKER_MANIFEST || t === MEDIA_TYPE_DOCKER_MANIFEST_LIST;
}

/**
 * The descriptors a manifest points at (oras-go `content.Successors` edges), in this order:
 * - OCI image manifest: config, layers…, subject (if any);
 * - OCI index: manifests…, subject (if any);
 * - Docker schema 2 manifest: config, layers…; Docker manifest list: manifests…
 *   (Docker types have no `subject` in their spec; one present is ignored, as in oras-go).
 * oras-go lists the subject first; Wharf lists it last so children precede the referenced
 * image. Descriptors are returned as they appear in the document (unknown fields kept).
 *
 * @example manifestSuccessors(parseManifest(bytes)).map((d) => d.digest)
 */
export function manifestSuccessors(doc: ManifestDocument): Descriptor[] {
  const out: Descriptor[] =
    doc.kind === 'manifest'
      ? [doc.manifest.config, ...doc.manifest.layers]
      : [...doc.index.manifests];
  const subject = manifestSubject(doc);
  if (subject !== undefined) out.push(subject);
  return out;
}

/**
 * The artifact type a referrers index reports for a manifest: its `artifactType`, else (image
 * manifests only) `config.mediaType`; undefined for an index without `artifactType`.
 * @example manifestArtifactType(signatureDoc) // 'application/vnd.cncf.notary.signature'
 */
export function manifestArtifactType(doc: ManifestDocument): string | undefined {
  if (doc.kind === 'manifest') return doc.manifest.artifactType ?? doc.manifest.config.mediaType;
  return doc.index.artifactType;
}

/** The `subject` of an OCI manifest or index, if any (always undefined for Docker types). */
export function manifestSubject(doc: ManifestDocument): Descriptor | undefined {
  if (isDocker(doc)) return undefined;
  return doc.kind === 'manifest' ? doc.manifest.subject : doc.index.subject;
}

/** The annotations of a manifest or index, if present. */
export function manifestAnnotations(
  doc: ManifestDocument,
): Readonly<Record<string, string>> | undefined {
  return doc.kind === 'manifest' ? doc.manifest.annotations : doc.index.annotations;
}

/**
 * Builds the entry a referrers index lists for a manifest: `mediaType`, `digest`, `size`,
 * `artifactType` (see {@link manifestArtifactType}; omitted when undefined) and a copy of the
 * manifest's `annotations` (omitted when absent).
 *
 * @example referrerDescriptor(doc, digestBytes(bytes), bytes.byteLength)
 */
export function referrerDescriptor(
  doc: ManifestDocument,
  digest: string,
  size: number,
): Descriptor {
  const artifactType = manifestArtifactType(doc);
  const annotations = manifestAnnotations(doc);
  return {
    mediaType: doc.mediaType,
    digest,
    size,
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(annotations === undefined ? {} : { annotations: { ...annotations } }),
  };
}
