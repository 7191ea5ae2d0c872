/** OCI image-spec media types. */
export const MEDIA_TYPE_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_TYPE_OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_TYPE_OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const MEDIA_TYPE_OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const MEDIA_TYPE_OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const MEDIA_TYPE_OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
export const MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE =
  'application/vnd.oci.image.layer.nondistributable.v1.tar';
export const MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_GZIP =
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
export const MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_ZSTD =
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd';
export const MEDIA_TYPE_OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const MEDIA_TYPE_OCI_DESCRIPTOR = 'application/vnd.oci.descriptor.v1+json';
export const MEDIA_TYPE_OCI_LAYOUT_HEADER = 'application/vnd.oci.layout.header.v1+json';
/** Withdrawn OCI artifact manifest; still in oras-go's Accept list. */
export const MEDIA_TYPE_OCI_ARTIFACT_MANIFEST = 'application/vnd.oci.artifact.manifest.v1+json';

/** Docker image manifest v2 schema 2 media types. */
export const MEDIA_TYPE_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const MEDIA_TYPE_DOCKER_MANIFEST_LIST =
  'application/vnd.docker.distribution.manifest.list.v2+json';
export const MEDIA_TYPE_DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const MEDIA_TYPE_DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';
export const MEDIA_TYPE_DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const MEDIA_TYPE_DOCKER_LAYER_FOREIGN_GZIP =
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
export const MEDIA_TYPE_DOCKER_PLUGIN_CONFIG = 'application/vnd.docker.plugin.v1+json';
/** Deprecated Docker schema 1 manifests; refused on push. */
export const MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST =
  'application/vnd.docker.distribution.manifest.v1+json';
export const MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED_MANIFEST =
  'application/vnd.docker.distribution.manifest.v1+prettyjws';

/** ORAS defaults. */
export const MEDIA_TYPE_ORAS_UNKNOWN_ARTIFACT = 'application/vnd.unknown.artifact.v1';
export const MEDIA_TYPE_ORAS_UNKNOWN_CONFIG = 'application/vnd.unknown.config.v1+json';

/** Notary Project media and artifact types. */
export const ARTIFACT_TYPE_NOTARY_SIGNATURE = 'application/vnd.cncf.notary.signature';
export const MEDIA_TYPE_NOTARY_PAYLOAD = 'application/vnd.cncf.notary.payload.v1+json';
export const MEDIA_TYPE_JWS = 'application/jose+json';
export const MEDIA_TYPE_COSE = 'application/cose';

/** SBOM and report artifact types. */
export const ARTIFACT_TYPE_SPDX_JSON = 'application/spdx+json';
export const ARTIFACT_TYPE_CYCLONEDX_JSON = 'application/vnd.cyclonedx+json';
export const ARTIFACT_TYPE_SARIF_JSON = 'application/sarif+json';

/** The empty descriptor's blob `{}` and its digest. */
export const EMPTY_JSON_BYTES: Uint8Array = new Uint8Array([0x7b, 0x7d]);
export const EMPTY_JSON_DIGEST =
  'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

/** Manifest media types a client accepts when pulling (the oras-go Accept list). */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_MANIFEST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_ARTIFACT_MANIFEST,
];

/** True for the media types of image manifests (OCI or Docker schema 2). */
export function isImageManifestMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_OCI_MANIFEST || mediaType === MEDIA_TYPE_DOCKER_MANIFEST;
}

/** True for the media types of indexes (OCI index or Docker manifest list). */
export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_OCI_INDEX || mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST;
}

/** True for any manifest media type Wharf parses (image manifest, index, artifact manifest). */
export function isManifestMediaType(mediaType: string): boolean {
  return MANIFEST_MEDIA_TYPES.includes(mediaType);
}

/** True for non-distributable (foreign) layer types, which registries accept without the blob. */
export function isNonDistributableMediaType(mediaType: string): boolean {
  return (
    mediaType === MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE ||
    mediaType === MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_GZIP ||
    mediaType === MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_ZSTD ||
    mediaType === MEDIA_TYPE_DOCKER_LAYER_FOREIGN_GZIP
  );
}

// RFC 6838 type/subtype with optional parameters.
const MEDIA_TYPE_GRAMMAR =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(?:\s*;\s*[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|"[^"]*"))*$/;

/** True when `value` is an RFC 6838 media type (parameters allowed). */
export function isValidMediaType(value: string): boolean {
  return MEDIA_TYPE_GRAMMAR.test(value);
}
