import {
  isManifestMediaType,
  manifestSubject,
  manifestSuccessors,
  MEDIA_TYPE_OCI_ARTIFACT_MANIFEST,
  parseJsonBytes,
  parseManifest,
  referrerDescriptor,
  type Descriptor,
  type ManifestDocument,
} from '@wharf/core';
import { DocumentError } from '@wharf/core';

/** What the graph needs to know about a manifest node. */
export interface NodeInfo {
  /** Parsed document (undefined for the withdrawn artifact manifest, which core does not parse). */
  readonly doc: ManifestDocument | undefined;
  /** Outgoing edges (config, layers, manifests, subject). */
  readonly successors: readonly Descriptor[];
  readonly subject: Descriptor | undefined;
  /** The referrers-index entry for this manifest. */
  readonly referrer: Descriptor;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function looksLikeDescriptor(v: unknown): v is Descriptor {
  return (
    isObject(v) &&
    typeof v['mediaType'] === 'string' &&
    typeof v['digest'] === 'string' &&
    typeof v['size'] === 'number'
  );
}

/** The withdrawn OCI artifact manifest: edges are subject + blobs (oras-go still walks it). */
function parseArtifactManifest(bytes: Uint8Array, desc: Descriptor, maxBytes?: number): NodeInfo {
  const value = parseJsonBytes(bytes, maxBytes === undefined ? {} : { maxBytes });
  if (!isObject(value)) {
    throw new DocumentError('NOT_AN_OBJECT', 'artifact manifest must be a JSON object', {
      detail: { field: '' },
    });
  }
  const blobs = value['blobs'] ?? [];
  if (!Array.isArray(blobs) || !blobs.every(looksLikeDescriptor)) {
    throw new DocumentError('FIELD_TYPE_INVALID', 'artifact manifest blobs[] is invalid', {
      detail: { field: 'blobs' },
    });
  }
  const subject = looksLikeDescriptor(value['subject']) ? value['subject'] : undefined;
  const artifactType =
    typeof value['artifactType'] === 'string' ? value['artifactType'] : undefined;
  const annotations = isObject(value['annotations'])
    ? (value['annotations'] as Record<string, string>)
    : undefined;
  return {
    doc: undefined,
    successors: subject ? [...blobs, subject] : blobs,
    subject,
    referrer: {
      mediaType: MEDIA_TYPE_OCI_ARTIFACT_MANIFEST,
      digest: desc.digest,
      size: desc.size,
      ...(artifactType !== undefined ? { artifactType } : {}),
      ...(annotations !== undefined ? { annotations } : {}),
    },
  };
}

/**
 * Parses manifest bytes (already verified against `desc`) into graph edges.
 * @throws DocumentError for malformed manifests
 */
export function parseNode(desc: Descriptor, bytes: Uint8Array, maxBytes?: number): NodeInfo {
  if (desc.mediaType === MEDIA_TYPE_OCI_ARTIFACT_MANIFEST) {
    return parseArtifactManifest(bytes, desc, maxBytes);
  }
  const doc = parseManifest(bytes, {
    mediaType: desc.mediaType,
    ...(maxBytes === undefined ? {} : { maxBytes }),
  });
  return {
    doc,
    successors: manifestSuccessors(doc),
    subject: manifestSubject(doc),
    referrer: referrerDescriptor(doc, desc.digest, desc.size),
  };
}

/** True for media types whose content is a manifest with edges to follow. */
export function isGraphNode(desc: Descriptor): boolean {
  return isManifestMediaType(desc.mediaType);
}
