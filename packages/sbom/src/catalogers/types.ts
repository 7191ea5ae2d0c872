import type { PackageType } from '../types.js';

/** A file as a cataloger sees it: an absolute, normalized path inside the image. */
export interface FileMeta {
  readonly path: string;
  readonly size: number;
  readonly mode: number;
}

/** The parts of a purl; `distro` qualifiers and OS namespaces are filled in after squashing. */
export interface PurlSpec {
  readonly type: string;
  readonly namespace?: string;
  readonly name: string;
  readonly version?: string;
  readonly qualifiers?: Readonly<Record<string, string>>;
  /** Namespace and `distro=` come from the image's os-release (deb, apk, rpm). */
  readonly distroScoped?: boolean;
}

/** A package as parsed from one file, before identity and squashing. JSON-serialisable. */
export interface RawPackage {
  readonly type: PackageType;
  readonly name: string;
  readonly version: string;
  readonly foundBy: string;
  readonly licenses: readonly string[];
  readonly purl: PurlSpec;
  readonly files?: readonly string[];
  readonly supplier?: string;
  readonly homepage?: string;
  readonly description?: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** CPE vendor/product candidates; the name is used when absent. */
  readonly cpe?: { readonly vendors: readonly string[]; readonly products: readonly string[] };
}

/** What a cataloger extracts from one file. Cached per layer, so it must be plain JSON. */
export type Evidence =
  | { readonly kind: 'os-release'; readonly fields: Readonly<Record<string, string>> }
  | { readonly kind: 'packages'; readonly packages: readonly RawPackage[] }
  /** dpkg `info/<pkg>[:arch].list`: files owned by a package of the database in `dbDir`. */
  | {
      readonly kind: 'dpkg-files';
      readonly dbDir: string;
      readonly package: string;
      readonly files: readonly string[];
    }
  /** `/usr/share/doc/<pkg>/copyright`: license names found in it. */
  | {
      readonly kind: 'dpkg-copyright';
      readonly package: string;
      readonly licenses: readonly string[];
    };

/**
 * Reads one kind of file. `match` decides from the path and header alone which files get
 * buffered; `sniff` (optional) then looks at the first bytes before the rest is read.
 */
export interface Cataloger {
  readonly name: string;
  match(file: FileMeta): boolean;
  sniff?(head: Uint8Array): boolean;
  /** Parses the whole file. Throwing turns into a PARSE_FAILED warning. */
  parse(file: FileMeta, content: Uint8Array): Evidence[];
}
