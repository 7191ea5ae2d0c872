// Private shim for the manifest helpers that are landing in @wharf/core (parseManifest,
// manifestSuccessors, manifestArtifactType, referrerDescriptor). Replace with the core exports once
// they are published.
import {
  ContentError,
  isIndexMediaType,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  MEDIA_TYPE_OCI_ARTIFACT_MANIFEST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
} from '@wharf/core';

export type ManifestDocument =
  | { readonly kind: 'manifest'; readonly mediaType: string; readonly manifest: ImageManifest }
  | { readonly kind: 'index'; readonly mediaType: string; readonly index: ImageIndex };

export interface ParseManifestOptions {
  readonly mediaType?: string;
  readonly maxBytes?: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isDescriptor(v: unknown): v is Descriptor {
  return (
    isObject(v) &&
    typeof v['mediaType'] === 'string' &&
    typeof v['digest'] === 'string' &&
    typeof v['size'] === 'number' &&
    Number.isSafeInteger(v['size']) &&
    v['size'] >= 0
  );
}

function invalid(message: string): ContentError {
  return new ContentError('INVALID_MEDIA_TYPE', message);
}

/** Parses an OCI/Docker manifest or index (lenient about unknown fields). */
export function parseManifest(
  bytes: Uint8Array,
  options: ParseManifestOptions = {},
): ManifestDocument {
  if (options.maxBytes !== undefined && bytes.byteLength > options.maxBytes) {
    throw new ContentError(
      'SIZE_LIMIT_EXCEEDED',
      `manifest of ${bytes.byteLength} bytes exceeds ${options.maxBytes}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new ContentError('INVALID_MEDIA_TYPE', 'manifest is not valid JSON', { cause });
  }
  if (!isObject(value)) throw invalid('manifest is not a JSON object');
  const declared = typeof value['mediaType'] === 'string' ? value['mediaType'] : undefined;
  const mediaType = options.mediaType ?? declared;
  if (
    Array.isArray(value['manifests']) ||
    (mediaType !== undefined && isIndexMediaType(mediaType))
  ) {
    const manifests = value['manifests'];
    if (!Array.isArray(manifests) || !manifests.every(isDescriptor)) {
      throw invalid('index has no valid manifests[]');
    }
    if (value['subject'] !== undefined && !isDescriptor(value['subject']))
      throw invalid('index subject is invalid');
    return {
      kind: 'index',
      mediaType: mediaType ?? MEDIA_TYPE_OCI_INDEX,
      index: value as unknown as ImageIndex,
    };
  }
  if (mediaType === MEDIA_TYPE_OCI_ARTIFACT_MANIFEST) {
    // Withdrawn artifact manifest: map blobs[] onto layers[] so the graph can still be walked.
    const blobs = value['blobs'] ?? [];
    if (!Array.isArray(blobs) || !blobs.every(isDescriptor))
      throw invalid('artifact manifest blobs[] is invalid');
    const { blobs: _b, ...rest } = value;
    return {
      kind: 'manifest',
      mediaType,
      manifest: { ...rest, layers: blobs } as unknown as ImageManifest,
    };
  }
  if (!isDescriptor(value['config'])) throw invalid('manifest config is invalid');
  const layers = value['layers'] ?? [];
  if (!Array.isArray(layers) || !layers.every(isDescriptor))
    throw invalid('manifest layers[] is invalid');
  if (value['subject'] !== undefined && !isDescriptor(value['subject']))
    throw invalid('manifest subject is invalid');
  return {
    kind: 'manifest',
    mediaType: mediaType ?? MEDIA_TYPE_OCI_MANIFEST,
    manifest: value as unknown as ImageManifest,
  };
}

/** The nodes a manifest points at: subject + config + layers, or subject + manifests. */
export function manifestSuccessors(doc: ManifestDocument): Descriptor[] {
  const out: Descriptor[] = [];
  if (doc.kind === 'manifest') {
    if (doc.manifest.subject) out.push(doc.manifest.subject);
    if (doc.mediaType !== MEDIA_TYPE_OCI_ARTIFACT_MANIFEST) out.push(doc.manifest.config);
    out.push(...(doc.manifest.layers ?? []));
  } else {
    if (doc.index.subject) out.push(doc.index.subject);
    out.push(...doc.index.manifests);
  }
  return out;
}

/** The artifact type: `artifactType`, else (manifests) `config.mediaType`. */
export function manifestArtifactType(doc: ManifestDocument): string | undefined {
  if (doc.kind === 'manifest') {
    return (
      doc.manifest.artifactType ??
      (doc.mediaType === MEDIA_TYPE_OCI_ARTIFACT_MANIFEST
        ? undefined
        : doc.manifest.config.mediaType)
    );
  }
  return doc.index.artifactType;
}

/** The referrers-index entry describing a manifest. */
export function referrerDescriptor(
  doc: ManifestDocument,
  digest: string,
  size: number,
): Descriptor {
  const artifactType = manifestArtifactType(doc);
  const annotations = doc.kind === 'manifest' ? doc.manifest.annotations : doc.index.annotations;
  return {
    mediaType: doc.mediaType,
    digest,
    size,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(annotations !== undefined ? { annotations } : {}),
  };
}

/** The subject of a manifest document, if any. */
export function manifestSubject(doc: ManifestDocument): Descriptor | undefined {
  return doc.kind === 'manifest' ? doc.manifest.subject : doc.index.subject;
}
