/** OCI platform (image index entries, image configs). */
export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly 'os.version'?: string;
  readonly 'os.features'?: readonly string[];
  readonly variant?: string;
  readonly features?: readonly string[];
}

/** An OCI content descriptor. Unknown fields are kept by the parsers as extra properties. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly urls?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
  /** base64 of the content, embedded. */
  readonly data?: string;
  readonly artifactType?: string;
  readonly platform?: Platform;
  readonly [extra: string]: unknown;
}

/** OCI image manifest (also used for Docker schema 2 manifests, which share the shape). */
export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly [extra: string]: unknown;
}

/** OCI image index (also used for Docker manifest lists). */
export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType?: string;
  readonly artifactType?: string;
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly [extra: string]: unknown;
}
