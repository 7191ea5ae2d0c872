/** Predefined OCI annotation keys (image-spec annotations.md). */
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
export const ANNOTATION_AUTHORS = 'org.opencontainers.image.authors';
export const ANNOTATION_URL = 'org.opencontainers.image.url';
export const ANNOTATION_DOCUMENTATION = 'org.opencontainers.image.documentation';
export const ANNOTATION_SOURCE = 'org.opencontainers.image.source';
export const ANNOTATION_VERSION = 'org.opencontainers.image.version';
export const ANNOTATION_REVISION = 'org.opencontainers.image.revision';
export const ANNOTATION_VENDOR = 'org.opencontainers.image.vendor';
export const ANNOTATION_LICENSES = 'org.opencontainers.image.licenses';
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_TITLE = 'org.opencontainers.image.title';
export const ANNOTATION_DESCRIPTION = 'org.opencontainers.image.description';
export const ANNOTATION_BASE_DIGEST = 'org.opencontainers.image.base.digest';
export const ANNOTATION_BASE_NAME = 'org.opencontainers.image.base.name';

/** Seen in the wild. */
export const ANNOTATION_ARTIFACT_CREATED = 'org.opencontainers.artifact.created';
export const ANNOTATION_REFERRERS_FILTERS_APPLIED = 'org.opencontainers.referrers.filtersApplied';

/** ORAS directory packing. */
export const ANNOTATION_ORAS_CONTENT_DIGEST = 'io.deis.oras.content.digest';
export const ANNOTATION_ORAS_CONTENT_UNPACK = 'io.deis.oras.content.unpack';

/** Notary Project signature manifest annotation. */
export const ANNOTATION_X509_THUMBPRINT = 'io.cncf.notary.x509chain.thumbprint#S256';
