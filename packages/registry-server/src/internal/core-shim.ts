/**
 * Temporary private stand-ins for functions @wharf/core is adding (`isValidRepositoryName`,
 * `isValidTag`, `parseManifest`, `manifestSuccessors`, `manifestArtifactType`). Same names
 * and shapes, so the switch is an import change.
 */
import {
  DocumentError,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
  isIndexMediaType,
  isImageManifestMediaType,
  tryParseDigest,
  type Descriptor,
  type DocumentErrorCode,
  type ImageIndex,
  type ImageManifest,
} from '@wharf/core';

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPOSITORY_GRAMMAR = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_GRAMMAR = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export function isValidRepositoryName(name: string): boolean {
  return name.length <= 255 && REPOSITORY_GRAMMAR.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG_GRAMMAR.test(tag);
}

export type ParsedManifest =
  | { readonly kind: 'manifest'; readonly mediaType: string; readonly manifest: ImageManifest }
  | { readonly kind: 'index'; readonly mediaType: string; readonly index: ImageIndex };

export interface ParseManifestOptions {
  /** Media type from the request `Content-Type`, used when the body has no `mediaType`. */
  readonly mediaType?: string;
  readonly maxBytes?: number;
  readonly maxDepth?: number;
}

function fail(code: DocumentErrorCode, message: string, field?: string): never {
  throw new DocumentError(code, message, field === undefined ? undefined : { detail: { field } });
}

/** Nesting depth of a JSON text, scanning bytes outside strings. Linear time. */
export function jsonDepth(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++;
      else if (b === 0x22) inString = false;
      continue;
    }
    if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return max;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkAnnotations(v: unknown, field: string): void {
  if (v === undefined) return;
  if (!isObject(v)) fail('ANNOTATIONS_INVALID', `${field} must be an object of strings`, field);
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string')
      fail('ANNOTATIONS_INVALID', `${field}.${k} must be a string`, field);
  }
}

function checkDescriptor(v: unknown, field: string): Descriptor {
  if (!isObject(v)) fail('FIELD_TYPE_INVALID', `${field} must be a descriptor object`, field);
  if (typeof v.mediaType !== 'string' || v.mediaType === '') {
    fail('MEDIA_TYPE_INVALID', `${field}.mediaType must be a string`, `${field}.mediaType`);
  }
  if (typeof v.digest !== 'string' || tryParseDigest(v.digest) === undefined) {
    fail('DIGEST_INVALID', `${field}.digest is not a valid digest`, `${field}.digest`);
  }
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) {
    fail('SIZE_INVALID', `${field}.size must be a non-negative integer`, `${field}.size`);
  }
  if (v.urls !== undefined) {
    if (!Array.isArray(v.urls) || v.urls.some((u) => typeof u !== 'string')) {
      fail('URLS_INVALID', `${field}.urls must be an array of strings`, `${field}.urls`);
    }
  }
  if (v.artifactType !== undefined && typeof v.artifactType !== 'string') {
    fail(
      'ARTIFACT_TYPE_INVALID',
      `${field}.artifactType must be a string`,
      `${field}.artifactType`,
    );
  }
  if (v.data !== undefined && typeof v.data !== 'string') {
    fail('DATA_INVALID', `${field}.data must be base64`, `${field}.data`);
  }
  checkAnnotations(v.annotations, `${field}.annotations`);
  return v as unknown as Descriptor;
}

const KNOWN_TYPES = new Set([
  MEDIA_TYPE_OCI_MANIFEST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
]);

/**
 * Parses and validates an image manifest or index (OCI or Docker schema 2).
 * @throws DocumentError
 */
export function parseManifest(
  bytes: Uint8Array,
  options: ParseManifestOptions = {},
): ParsedManifest {
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  if (bytes.byteLength > maxBytes) fail('JSON_TOO_LARGE', `manifest exceeds ${maxBytes} bytes`);
  const maxDepth = options.maxDepth ?? 64;
  if (jsonDepth(bytes, maxDepth) > maxDepth)
    fail('JSON_TOO_DEEP', `JSON nested deeper than ${maxDepth}`);
  let doc: unknown;
  try {
    doc = JSON.parse(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
    );
  } catch (cause) {
    throw new DocumentError('JSON_INVALID', 'manifest is not valid JSON', { cause });
  }
  if (!isObject(doc)) fail('NOT_AN_OBJECT', 'manifest must be a JSON object');
  if (doc.schemaVersion !== 2)
    fail('SCHEMA_VERSION_INVALID', 'schemaVersion must be 2', 'schemaVersion');
  let mediaType: string;
  if (doc.mediaType !== undefined) {
    if (typeof doc.mediaType !== 'string')
      fail('MEDIA_TYPE_INVALID', 'mediaType must be a string', 'mediaType');
    mediaType = doc.mediaType;
    const declared = options.mediaType;
    if (declared !== undefined && declared !== '' && declared !== mediaType) {
      fail(
        'MEDIA_TYPE_MISMATCH',
        `Content-Type ${declared} does not match mediaType ${mediaType}`,
        'mediaType',
      );
    }
  } else if (options.mediaType !== undefined && KNOWN_TYPES.has(options.mediaType)) {
    mediaType = options.mediaType;
  } else {
    mediaType = 'manifests' in doc ? MEDIA_TYPE_OCI_INDEX : MEDIA_TYPE_OCI_MANIFEST;
  }
  if (!KNOWN_TYPES.has(mediaType))
    fail('MEDIA_TYPE_INVALID', `unsupported manifest media type ${mediaType}`, 'mediaType');
  if (doc.artifactType !== undefined && typeof doc.artifactType !== 'string') {
    fail('ARTIFACT_TYPE_INVALID', 'artifactType must be a string', 'artifactType');
  }
  checkAnnotations(doc.annotations, 'annotations');
  if (doc.subject !== undefined) checkDescriptor(doc.subject, 'subject');
  if (isImageManifestMediaType(mediaType)) {
    if ('manifests' in doc)
      fail('FIELD_TYPE_INVALID', 'an image manifest has no manifests field', 'manifests');
    checkDescriptor(doc.config, 'config');
    if (!Array.isArray(doc.layers)) fail('LAYERS_INVALID', 'layers must be an array', 'layers');
    doc.layers.forEach((l, i) => checkDescriptor(l, `layers[${i}]`));
    return { kind: 'manifest', mediaType, manifest: doc as unknown as ImageManifest };
  }
  if (isIndexMediaType(mediaType)) {
    if ('layers' in doc || 'config' in doc) {
      fail('FIELD_TYPE_INVALID', 'an index has no config or layers field', 'layers');
    }
    if (!Array.isArray(doc.manifests))
      fail('MANIFESTS_INVALID', 'manifests must be an array', 'manifests');
    doc.manifests.forEach((m, i) => checkDescriptor(m, `manifests[${i}]`));
    return { kind: 'index', mediaType, index: doc as unknown as ImageIndex };
  }
  return fail('MEDIA_TYPE_INVALID', `unsupported manifest media type ${mediaType}`, 'mediaType');
}

/** Direct successors: config + layers, or the index's manifests. */
export function manifestSuccessors(doc: ParsedManifest): readonly Descriptor[] {
  return doc.kind === 'manifest'
    ? [doc.manifest.config, ...doc.manifest.layers]
    : doc.index.manifests;
}

/** `artifactType`, else (image manifests) `config.mediaType`; undefined for an index without one. */
export function manifestArtifactType(doc: ParsedManifest): string | undefined {
  if (doc.kind === 'manifest') return doc.manifest.artifactType ?? doc.manifest.config.mediaType;
  return doc.index.artifactType;
}
