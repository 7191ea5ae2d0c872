import {
  ANNOTATION_REF_NAME,
  ContentError,
  MEDIA_TYPE_OCI_INDEX,
  parseSupportedDigest,
  type Descriptor,
} from '@wharf/core';

export const OCI_LAYOUT_FILE = 'oci-layout';
export const INDEX_FILE = 'index.json';
export const BLOBS_DIR = 'blobs';
export const INGEST_DIR = 'ingest';
export const LOCK_FILE = 'index.json.lock';
export const OCI_LAYOUT_BYTES = new TextEncoder().encode('{"imageLayoutVersion":"1.0.0"}');

/** The parsed `index.json`: the entries plus every other top-level field, kept verbatim. */
export interface IndexModel {
  readonly extra: Readonly<Record<string, unknown>>;
  readonly manifests: readonly Descriptor[];
}

export function emptyIndex(): IndexModel {
  return { extra: { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX }, manifests: [] };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalidLayout(message: string, cause?: unknown): ContentError {
  return new ContentError('INVALID_LAYOUT', message, cause === undefined ? {} : { cause });
}

/** Validates the `oci-layout` file. */
export function parseOciLayout(bytes: Uint8Array): void {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw invalidLayout('oci-layout is not valid JSON', cause);
  }
  if (!isObject(value) || typeof value['imageLayoutVersion'] !== 'string') {
    throw invalidLayout('oci-layout has no imageLayoutVersion');
  }
  if (!/^1\.\d+\.\d+$/.test(value['imageLayoutVersion'])) {
    throw invalidLayout(
      `unsupported imageLayoutVersion ${JSON.stringify(value['imageLayoutVersion'])}`,
    );
  }
}

/** Parses `index.json`, checking every entry is a descriptor with a valid digest. */
export function parseIndex(bytes: Uint8Array): IndexModel {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw invalidLayout('index.json is not valid JSON', cause);
  }
  if (!isObject(value)) throw invalidLayout('index.json is not a JSON object');
  if (value['schemaVersion'] !== 2) throw invalidLayout('index.json schemaVersion is not 2');
  const manifests = value['manifests'] ?? [];
  if (!Array.isArray(manifests)) throw invalidLayout('index.json manifests is not an array');
  manifests.forEach((m: unknown, i) => {
    if (
      !isObject(m) ||
      typeof m['mediaType'] !== 'string' ||
      typeof m['digest'] !== 'string' ||
      typeof m['size'] !== 'number' ||
      !Number.isSafeInteger(m['size']) ||
      m['size'] < 0
    ) {
      throw invalidLayout(`index.json manifests[${i}] is not a descriptor`);
    }
    try {
      parseSupportedDigest(m['digest']);
    } catch (cause) {
      throw invalidLayout(`index.json manifests[${i}] has an invalid digest`, cause);
    }
    const ann = m['annotations'];
    if (
      ann !== undefined &&
      (!isObject(ann) || Object.values(ann).some((v) => typeof v !== 'string'))
    ) {
      throw invalidLayout(`index.json manifests[${i}] has invalid annotations`);
    }
  });
  const { manifests: _m, ...extra } = value;
  return { extra, manifests: manifests as Descriptor[] };
}

export function serializeIndex(model: IndexModel): Uint8Array {
  const { schemaVersion, mediaType, ...rest } = model.extra;
  const doc = {
    schemaVersion: schemaVersion ?? 2,
    ...(mediaType !== undefined ? { mediaType } : {}),
    manifests: model.manifests,
    ...rest,
  };
  return new TextEncoder().encode(JSON.stringify(doc));
}

export function refName(desc: Descriptor): string | undefined {
  return desc.annotations?.[ANNOTATION_REF_NAME];
}

/** The descriptor without its `ref.name` annotation (what Resolve returns, as oras-go). */
export function withoutRefName(desc: Descriptor): Descriptor {
  if (desc.annotations?.[ANNOTATION_REF_NAME] === undefined) return desc;
  const { [ANNOTATION_REF_NAME]: _r, ...annotations } = desc.annotations;
  const { annotations: _a, ...rest } = desc;
  return Object.keys(annotations).length > 0 ? { ...rest, annotations } : rest;
}

/** The fields of a descriptor worth keeping in an index entry (no embedded data). */
export function entryDescriptor(desc: Descriptor): Descriptor {
  const { data: _data, ...rest } = withoutRefName(desc);
  return rest;
}

function withRefName(desc: Descriptor, ref: string): Descriptor {
  return { ...desc, annotations: { ...(desc.annotations ?? {}), [ANNOTATION_REF_NAME]: ref } };
}

/** A change to `index.json`, applied to the current on-disk state under the lock. */
export type IndexOp =
  | { readonly kind: 'add'; readonly desc: Descriptor }
  | { readonly kind: 'tag'; readonly desc: Descriptor; readonly ref: string }
  | { readonly kind: 'untag'; readonly ref: string }
  | { readonly kind: 'delete'; readonly digest: string };

/**
 * Applies ops with oras-go `oci.Store` semantics: one entry per tag (carrying `ref.name`), and every
 * known manifest with no tag once, without `ref.name`. Entry order is kept; new entries go last.
 * Returns undefined when nothing changed.
 */
export function applyIndexOps(
  manifests: readonly Descriptor[],
  ops: readonly IndexOp[],
): Descriptor[] | undefined {
  let list = [...manifests];
  let changed = false;
  const hasDigest = (digest: string): boolean => list.some((d) => d.digest === digest);
  for (const op of ops) {
    switch (op.kind) {
      case 'add': {
        if (!hasDigest(op.desc.digest)) {
          list.push(entryDescriptor(op.desc));
          changed = true;
        }
        break;
      }
      case 'tag': {
        const entry = withRefName(entryDescriptor(op.desc), op.ref);
        const existing = list.findIndex((d) => refName(d) === op.ref);
        const prev = existing >= 0 ? list[existing] : undefined;
        if (
          prev &&
          prev.digest === op.desc.digest &&
          JSON.stringify(prev) === JSON.stringify(entry)
        )
          break;
        changed = true;
        if (existing >= 0) {
          list[existing] = entry;
        } else {
          // An untagged entry of the same digest is replaced in place by the tagged one.
          const untagged = list.findIndex(
            (d) => d.digest === op.desc.digest && refName(d) === undefined,
          );
          if (untagged >= 0) list[untagged] = entry;
          else list.push(entry);
        }
        list = list.filter((d) => !(d.digest === op.desc.digest && refName(d) === undefined));
        if (prev && prev.digest !== op.desc.digest && !hasDigest(prev.digest)) {
          list.push(entryDescriptor(prev));
        }
        break;
      }
      case 'untag': {
        const i = list.findIndex((d) => refName(d) === op.ref);
        const prev = i >= 0 ? list[i] : undefined;
        if (!prev) break;
        list.splice(i, 1);
        if (!hasDigest(prev.digest)) list.splice(i, 0, entryDescriptor(prev));
        changed = true;
        break;
      }
      case 'delete': {
        const before = list.length;
        list = list.filter((d) => d.digest !== op.digest);
        if (list.length !== before) changed = true;
        break;
      }
      default: {
        const never: never = op;
        return never;
      }
    }
  }
  return changed ? list : undefined;
}
