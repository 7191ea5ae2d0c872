import {
  ANNOTATION_CREATED,
  ContentError,
  digestBytes,
  EMPTY_JSON_BYTES,
  EMPTY_JSON_DIGEST,
  MEDIA_TYPE_OCI_EMPTY,
  MEDIA_TYPE_OCI_MANIFEST,
  MEDIA_TYPE_ORAS_UNKNOWN_CONFIG,
  isValidMediaType,
  type Descriptor,
  type ImageManifest,
} from '@wharf/core';

/** The empty descriptor (`{}` blob) used as config and placeholder layer by OCI 1.1 artifacts. */
export const EMPTY_DESCRIPTOR: Descriptor = Object.freeze({
  mediaType: MEDIA_TYPE_OCI_EMPTY,
  digest: EMPTY_JSON_DIGEST,
  size: 2,
  data: 'e30=',
});

/** Manifest flavour: `1.1` (artifactType + empty config) or `1.0` (artifact type in config.mediaType). */
export type PackVersion = '1.1' | '1.0';

/** Options of {@link packManifest}. */
export interface PackManifestOptions {
  /** Default `1.1`. */
  readonly version?: PackVersion;
  /** Config descriptor. Default: the empty descriptor (1.1) or `{}` typed `artifactType` (1.0). */
  readonly config?: Descriptor;
  /** Layers. Default: one empty layer (1.1) or none (1.0). */
  readonly layers?: readonly Descriptor[];
  readonly subject?: Descriptor;
  /** Manifest annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * Value of `org.opencontainers.image.created` when the annotations lack it: a date, or `false`
   * to leave it out (reproducible output). Default: now, RFC 3339 at second precision.
   */
  readonly created?: Date | false;
}

/** A packed manifest and the small blobs it needs that the caller may not have pushed. */
export interface PackedManifest {
  readonly manifest: ImageManifest;
  readonly bytes: Uint8Array;
  readonly descriptor: Descriptor;
  /** Blobs the manifest references that were synthesised (the empty config / layer). */
  readonly blobs: readonly { readonly descriptor: Descriptor; readonly bytes: Uint8Array }[];
}

function stripData(desc: Descriptor): Descriptor {
  const { data: _data, ...rest } = desc;
  return rest;
}

/**
 * Packs an OCI image manifest oras-style. Pure: push `blobs` and then `bytes` yourself (or use
 * `pushBytes`).
 *
 * - 1.1: `artifactType` is required when the config is absent or the empty type; config defaults to
 *   the empty descriptor and layers to one empty layer.
 * - 1.0: no `artifactType` field; the config is `{}` typed `artifactType` (default
 *   `application/vnd.unknown.config.v1+json`).
 *
 * @throws ContentError `INVALID_MEDIA_TYPE` for a missing or malformed artifact type
 * @example
 * const { bytes, descriptor, blobs } = packManifest('application/vnd.example+type', { layers: [fileDesc] });
 */
export function packManifest(
  artifactType: string | undefined,
  options: PackManifestOptions = {},
): PackedManifest {
  const version = options.version ?? '1.1';
  if (artifactType !== undefined && !isValidMediaType(artifactType)) {
    throw new ContentError(
      'INVALID_MEDIA_TYPE',
      `invalid artifact type ${JSON.stringify(artifactType)}`,
    );
  }
  const blobs: { descriptor: Descriptor; bytes: Uint8Array }[] = [];
  const addEmpty = (desc: Descriptor): void => {
    if (
      !blobs.some(
        (b) => b.descriptor.digest === desc.digest && b.descriptor.mediaType === desc.mediaType,
      )
    ) {
      blobs.push({ descriptor: desc, bytes: EMPTY_JSON_BYTES });
    }
  };

  let config: Descriptor;
  let layers: readonly Descriptor[];
  if (version === '1.1') {
    if (
      (artifactType === undefined || artifactType === '') &&
      (options.config === undefined || options.config.mediaType === MEDIA_TYPE_OCI_EMPTY)
    ) {
      throw new ContentError(
        'INVALID_MEDIA_TYPE',
        'artifactType is required when the config is empty',
      );
    }
    if (options.config) {
      config = options.config;
    } else {
      config = stripData(EMPTY_DESCRIPTOR);
      addEmpty(config);
    }
    if (options.layers && options.layers.length > 0) {
      layers = options.layers;
    } else {
      const empty = stripData(EMPTY_DESCRIPTOR);
      addEmpty(empty);
      layers = [empty];
    }
  } else {
    if (options.config) {
      config = options.config;
    } else {
      config = {
        mediaType: artifactType ?? MEDIA_TYPE_ORAS_UNKNOWN_CONFIG,
        digest: EMPTY_JSON_DIGEST,
        size: 2,
      };
      addEmpty(config);
    }
    layers = options.layers ?? [];
  }

  const annotations: Record<string, string> = { ...(options.annotations ?? {}) };
  if (annotations[ANNOTATION_CREATED] === undefined && options.created !== false) {
    annotations[ANNOTATION_CREATED] = formatCreated(options.created ?? new Date());
  }

  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    ...(version === '1.1' && artifactType ? { artifactType } : {}),
    config,
    layers: [...layers],
    ...(options.subject ? { subject: options.subject } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const descriptor: Descriptor = {
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    digest: digestBytes(bytes),
    size: bytes.byteLength,
    ...(version === '1.1' && artifactType ? { artifactType } : {}),
    ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
  };
  return { manifest, bytes, descriptor, blobs };
}

/** RFC 3339, UTC, second precision (as oras). */
function formatCreated(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
