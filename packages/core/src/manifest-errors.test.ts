import { describe, expect, it } from 'vitest';
import { digestBytes } from './digest.js';
import { isWharfError, type DocumentErrorCode } from './errors.js';
import { parseManifest, type ParseManifestOptions } from './manifest.js';
import {
  EMPTY_JSON_DIGEST,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST,
  MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED_MANIFEST,
  MEDIA_TYPE_OCI_ARTIFACT_MANIFEST,
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_EMPTY,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_LAYER,
  MEDIA_TYPE_OCI_MANIFEST,
} from './media-types.js';

const te = new TextEncoder();
const HEX = 'a'.repeat(64);
const D = { mediaType: MEDIA_TYPE_OCI_LAYER, digest: `sha256:${HEX}`, size: 3 };
const CFG = { mediaType: MEDIA_TYPE_OCI_CONFIG, digest: `sha256:${'b'.repeat(64)}`, size: 2 };
const M = { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, config: CFG, layers: [D, D, D] };
const I = {
  schemaVersion: 2,
  mediaType: MEDIA_TYPE_OCI_INDEX,
  manifests: [{ ...D, mediaType: MEDIA_TYPE_OCI_MANIFEST }],
};
const PLATFORM = { architecture: 'amd64', os: 'linux' };
const LIST = {
  schemaVersion: 2,
  mediaType: MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  manifests: [{ ...D, mediaType: MEDIA_TYPE_DOCKER_MANIFEST, platform: PLATFORM }],
};
const EMPTY = { mediaType: MEDIA_TYPE_OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 };

/** `M` with `layers[i]` replaced by `layer`. */
const withLayer = (layer: unknown, i = 0): Record<string, unknown> => ({
  ...M,
  layers: M.layers.map((l, j) => (j === i ? layer : l)),
});
/** `M` with `patch` merged into `layers[i]`. */
const patchLayer = (patch: Record<string, unknown>, i = 0) => withLayer({ ...D, ...patch }, i);
/** `M` without the given top-level key. */
const without = (obj: Record<string, unknown>, key: string): Record<string, unknown> => {
  const { [key]: _drop, ...rest } = obj;
  return rest;
};

type Input = Uint8Array | string | Record<string, unknown> | unknown[];
interface Case {
  readonly name: string;
  readonly input: Input;
  readonly code: DocumentErrorCode;
  readonly field?: string;
  readonly options?: ParseManifestOptions;
}

// One case per line, as a table.
// prettier-ignore
const cases: readonly Case[] = [
  // JSON level
  { name: 'empty body', input: '', code: 'JSON_INVALID' },
  { name: 'not JSON', input: 'not json', code: 'JSON_INVALID' },
  { name: 'truncated JSON', input: '{"schemaVersion":2,', code: 'JSON_INVALID' },
  { name: 'trailing garbage', input: '{"schemaVersion":2}}', code: 'JSON_INVALID' },
  { name: 'non-UTF-8 bytes', input: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), code: 'JSON_INVALID' },
  { name: 'lone surrogate byte sequence', input: new Uint8Array([0x7b, 0xed, 0xa0, 0x80, 0x7d]), code: 'JSON_INVALID' },
  { name: 'byte order mark', input: new Uint8Array([0xef, 0xbb, 0xbf, ...te.encode(JSON.stringify(M))]), code: 'JSON_INVALID' },
  { name: 'array depth bomb', input: `${'['.repeat(10_000)}${']'.repeat(10_000)}`, code: 'JSON_TOO_DEEP' },
  { name: 'object depth bomb', input: `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`, code: 'JSON_TOO_DEEP' },
  { name: 'unbalanced depth bomb', input: '['.repeat(100), code: 'JSON_TOO_DEEP' },
  { name: 'manifest deeper than maxDepth', input: M, options: { maxDepth: 2 }, code: 'JSON_TOO_DEEP' },
  { name: 'over maxBytes', input: M, options: { maxBytes: 16 }, code: 'JSON_TOO_LARGE' },
  { name: 'over the 4 MiB default', input: new Uint8Array(4 * 1024 * 1024 + 1).fill(0x20), code: 'JSON_TOO_LARGE' },
  { name: 'top-level array', input: [M], code: 'NOT_AN_OBJECT', field: '' },
  { name: 'top-level null', input: 'null', code: 'NOT_AN_OBJECT', field: '' },
  { name: 'top-level string', input: '"manifest"', code: 'NOT_AN_OBJECT', field: '' },
  { name: 'top-level number', input: '2', code: 'NOT_AN_OBJECT', field: '' },
  // media type resolution
  { name: 'empty object', input: {}, code: 'MEDIA_TYPE_MISSING', field: 'mediaType' },
  { name: 'only schemaVersion', input: { schemaVersion: 2 }, code: 'MEDIA_TYPE_MISSING', field: 'mediaType' },
  { name: 'ambiguous shape', input: { schemaVersion: 2, config: CFG, layers: [], manifests: [] }, code: 'MEDIA_TYPE_MISSING', field: 'mediaType' },
  { name: 'schema 1 body', input: { schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [], history: [] }, code: 'MEDIA_TYPE_UNSUPPORTED', field: 'mediaType' },
  { name: 'schema 1 declared', input: { schemaVersion: 1 }, options: { mediaType: MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED_MANIFEST }, code: 'MEDIA_TYPE_UNSUPPORTED' },
  { name: 'schema 1 mediaType', input: { ...M, mediaType: MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST }, code: 'MEDIA_TYPE_UNSUPPORTED' },
  { name: 'withdrawn artifact manifest', input: { mediaType: MEDIA_TYPE_OCI_ARTIFACT_MANIFEST, artifactType: 'application/x', blobs: [] }, code: 'MEDIA_TYPE_UNSUPPORTED' },
  { name: 'non-manifest mediaType', input: { ...M, mediaType: 'application/json' }, code: 'MEDIA_TYPE_UNSUPPORTED' },
  { name: 'non-manifest declared type', input: without(M, 'mediaType'), options: { mediaType: 'application/octet-stream' }, code: 'MEDIA_TYPE_UNSUPPORTED' },
  { name: 'mediaType not a string', input: { ...M, mediaType: 5 }, code: 'MEDIA_TYPE_INVALID', field: 'mediaType' },
  { name: 'mediaType not RFC 6838', input: { ...M, mediaType: 'not a media type' }, code: 'MEDIA_TYPE_INVALID', field: 'mediaType' },
  { name: 'mediaType null', input: { ...M, mediaType: null }, code: 'MEDIA_TYPE_INVALID', field: 'mediaType' },
  { name: 'declared type not RFC 6838', input: M, options: { mediaType: 'garbage' }, code: 'MEDIA_TYPE_INVALID', field: 'mediaType' },
  { name: 'declared index, body manifest', input: M, options: { mediaType: MEDIA_TYPE_OCI_INDEX }, code: 'MEDIA_TYPE_MISMATCH', field: 'mediaType' },
  { name: 'declared docker, body OCI', input: M, options: { mediaType: MEDIA_TYPE_DOCKER_MANIFEST }, code: 'MEDIA_TYPE_MISMATCH', field: 'mediaType' },
  // top-level fields
  { name: 'schemaVersion 1 on OCI manifest', input: { ...M, schemaVersion: 1 }, code: 'SCHEMA_VERSION_INVALID', field: 'schemaVersion' },
  { name: 'schemaVersion string', input: { ...M, schemaVersion: '2' }, code: 'SCHEMA_VERSION_INVALID', field: 'schemaVersion' },
  { name: 'schemaVersion 3 on index', input: { ...I, schemaVersion: 3 }, code: 'SCHEMA_VERSION_INVALID', field: 'schemaVersion' },
  { name: 'schemaVersion missing', input: without(M, 'schemaVersion'), code: 'FIELD_MISSING', field: 'schemaVersion' },
  { name: 'config missing', input: without(M, 'config'), code: 'FIELD_MISSING', field: 'config' },
  { name: 'config a string', input: { ...M, config: 'sha256:x' }, code: 'FIELD_TYPE_INVALID', field: 'config' },
  { name: 'config null', input: { ...M, config: null }, code: 'FIELD_TYPE_INVALID', field: 'config' },
  { name: 'config.mediaType missing', input: { ...M, config: without(CFG, 'mediaType') }, code: 'FIELD_MISSING', field: 'config.mediaType' },
  { name: 'config.mediaType invalid', input: { ...M, config: { ...CFG, mediaType: 'config' } }, code: 'MEDIA_TYPE_INVALID', field: 'config.mediaType' },
  { name: 'config.digest missing', input: { ...M, config: without(CFG, 'digest') }, code: 'FIELD_MISSING', field: 'config.digest' },
  { name: 'layers missing', input: without(M, 'layers'), code: 'FIELD_MISSING', field: 'layers' },
  { name: 'layers an object', input: { ...M, layers: { 0: D } }, code: 'LAYERS_INVALID', field: 'layers' },
  { name: 'layers null', input: { ...M, layers: null }, code: 'LAYERS_INVALID', field: 'layers' },
  { name: 'layer a string', input: withLayer('sha256:abc', 1), code: 'LAYERS_INVALID', field: 'layers[1]' },
  { name: 'layer an array', input: withLayer([D]), code: 'LAYERS_INVALID', field: 'layers[0]' },
  // descriptors
  { name: 'digest grammar', input: patchLayer({ digest: 'sha256:xyz' }, 2), code: 'DIGEST_INVALID', field: 'layers[2].digest' },
  { name: 'digest uppercase hex', input: patchLayer({ digest: `sha256:${HEX.toUpperCase()}` }), code: 'DIGEST_INVALID', field: 'layers[0].digest' },
  { name: 'digest short', input: patchLayer({ digest: 'sha256:abcd' }), code: 'DIGEST_INVALID', field: 'layers[0].digest' },
  { name: 'digest missing colon', input: patchLayer({ digest: HEX }), code: 'DIGEST_INVALID', field: 'layers[0].digest' },
  { name: 'digest a number', input: patchLayer({ digest: 1 }), code: 'DIGEST_INVALID', field: 'layers[0].digest' },
  { name: 'digest empty encoded', input: patchLayer({ digest: 'sha256:' }), code: 'DIGEST_INVALID', field: 'layers[0].digest' },
  { name: 'layer mediaType missing', input: withLayer(without(D, 'mediaType')), code: 'FIELD_MISSING', field: 'layers[0].mediaType' },
  { name: 'layer mediaType empty', input: patchLayer({ mediaType: '' }), code: 'MEDIA_TYPE_INVALID', field: 'layers[0].mediaType' },
  { name: 'size negative', input: patchLayer({ size: -1 }), code: 'SIZE_INVALID', field: 'layers[0].size' },
  { name: 'size fractional', input: patchLayer({ size: 1.5 }), code: 'SIZE_INVALID', field: 'layers[0].size' },
  { name: 'size a string', input: patchLayer({ size: '3' }), code: 'SIZE_INVALID', field: 'layers[0].size' },
  { name: 'size null', input: patchLayer({ size: null }), code: 'SIZE_INVALID', field: 'layers[0].size' },
  { name: 'size beyond 2^53', input: patchLayer({ size: 2 ** 53 }), code: 'SIZE_INVALID', field: 'layers[0].size' },
  { name: 'size 1e400', input: JSON.stringify(patchLayer({ size: 7 })).replace('"size":7', '"size":1e400'), code: 'SIZE_INVALID', field: 'layers[0].size' },
  { name: 'size missing', input: withLayer(without(D, 'size')), code: 'FIELD_MISSING', field: 'layers[0].size' },
  { name: 'data not base64', input: patchLayer({ data: 'not base64!' }), code: 'DATA_INVALID', field: 'layers[0].data' },
  { name: 'data unpadded base64', input: patchLayer({ data: 'YWJ' }), code: 'DATA_INVALID', field: 'layers[0].data' },
  { name: 'data a number', input: patchLayer({ data: 12 }), code: 'DATA_INVALID', field: 'layers[0].data' },
  { name: 'data longer than size', input: patchLayer({ data: 'YWJjZA==' }), code: 'DATA_MISMATCH', field: 'layers[0].data' },
  { name: 'data wrong digest', input: patchLayer({ data: 'YWJj' }), code: 'DATA_MISMATCH', field: 'layers[0].data' },
  { name: 'config data mismatch', input: { ...M, config: { ...EMPTY, data: 'W10=' }, artifactType: 'application/x' }, code: 'DATA_MISMATCH', field: 'config.data' },
  { name: 'urls a string', input: patchLayer({ urls: 'https://x' }), code: 'URLS_INVALID', field: 'layers[0].urls' },
  { name: 'urls with a number', input: patchLayer({ urls: ['https://x', 1] }), code: 'URLS_INVALID', field: 'layers[0].urls[1]' },
  { name: 'annotations an array', input: { ...M, annotations: ['a'] }, code: 'ANNOTATIONS_INVALID', field: 'annotations' },
  { name: 'annotation value a number', input: { ...M, annotations: { 'org.example': 1 } }, code: 'ANNOTATIONS_INVALID', field: 'annotations["org.example"]' },
  { name: 'layer annotation value null', input: patchLayer({ annotations: { size: null } }), code: 'ANNOTATIONS_INVALID', field: 'layers[0].annotations.size' },
  { name: 'artifactType invalid', input: { ...M, artifactType: 'sbom' }, code: 'ARTIFACT_TYPE_INVALID', field: 'artifactType' },
  { name: 'artifactType a number', input: { ...M, artifactType: 1 }, code: 'ARTIFACT_TYPE_INVALID', field: 'artifactType' },
  { name: 'empty config without artifactType', input: { ...M, config: EMPTY }, code: 'ARTIFACT_TYPE_REQUIRED', field: 'artifactType' },
  { name: 'subject a string', input: { ...M, subject: 'sha256:x' }, code: 'FIELD_TYPE_INVALID', field: 'subject' },
  { name: 'subject digest invalid', input: { ...M, subject: { ...D, digest: 'md5:zz!' } }, code: 'DIGEST_INVALID', field: 'subject.digest' },
  { name: 'subject size missing', input: { ...M, subject: without(D, 'size') }, code: 'FIELD_MISSING', field: 'subject.size' },
  // indexes and lists
  { name: 'index manifests missing', input: without(I, 'manifests'), code: 'FIELD_MISSING', field: 'manifests' },
  { name: 'index manifests an object', input: { ...I, manifests: {} }, code: 'MANIFESTS_INVALID', field: 'manifests' },
  { name: 'index entry a number', input: { ...I, manifests: [...I.manifests, 3] }, code: 'MANIFESTS_INVALID', field: 'manifests[1]' },
  { name: 'index entry size missing', input: { ...I, manifests: [without(D, 'size')] }, code: 'FIELD_MISSING', field: 'manifests[0].size' },
  { name: 'index entry artifactType invalid', input: { ...I, manifests: [{ ...D, artifactType: 'x' }] }, code: 'ARTIFACT_TYPE_INVALID', field: 'manifests[0].artifactType' },
  { name: 'index platform os missing', input: { ...I, manifests: [{ ...D, platform: { architecture: 'amd64' } }] }, code: 'FIELD_MISSING', field: 'manifests[0].platform.os' },
  { name: 'index platform a string', input: { ...I, manifests: [{ ...D, platform: 'linux/amd64' }] }, code: 'PLATFORM_INVALID', field: 'manifests[0].platform' },
  { name: 'index annotations invalid', input: { ...I, annotations: 'x' }, code: 'ANNOTATIONS_INVALID', field: 'annotations' },
  { name: 'index declared, manifest body', input: without(M, 'mediaType'), options: { mediaType: MEDIA_TYPE_OCI_INDEX }, code: 'FIELD_MISSING', field: 'manifests' },
  { name: 'list entry without platform', input: { ...LIST, manifests: [D] }, code: 'FIELD_MISSING', field: 'manifests[0].platform' },
  { name: 'list platform architecture missing', input: { ...LIST, manifests: [{ ...D, platform: { os: 'linux' } }] }, code: 'FIELD_MISSING', field: 'manifests[0].platform.architecture' },
  { name: 'list platform os a number', input: { ...LIST, manifests: [{ ...D, platform: { ...PLATFORM, os: 1 } }] }, code: 'PLATFORM_INVALID', field: 'manifests[0].platform.os' },
  { name: 'list platform os.features not an array', input: { ...LIST, manifests: [{ ...D, platform: { ...PLATFORM, 'os.features': 'x' } }] }, code: 'PLATFORM_INVALID', field: 'manifests[0].platform["os.features"]' },
  { name: 'docker manifest bad layer digest', input: { ...M, mediaType: MEDIA_TYPE_DOCKER_MANIFEST, layers: [{ ...D, digest: 'sha256:' }] }, code: 'DIGEST_INVALID', field: 'layers[0].digest' },
  { name: 'docker manifest schemaVersion 1', input: { ...M, mediaType: MEDIA_TYPE_DOCKER_MANIFEST, schemaVersion: 1 }, code: 'SCHEMA_VERSION_INVALID', field: 'schemaVersion' },
];

function toBytes(input: Input): Uint8Array {
  if (input instanceof Uint8Array) return input;
  return te.encode(typeof input === 'string' ? input : JSON.stringify(input));
}

describe('parseManifest: malformed input', () => {
  it('has a large table', () => expect(cases.length).toBeGreaterThanOrEqual(40));

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let caught: unknown;
    try {
      parseManifest(toBytes(c.input), c.options);
    } catch (err) {
      caught = err;
    }
    expect(isWharfError(caught), `expected a WharfError, got ${String(caught)}`).toBe(true);
    const err = caught as {
      code: string;
      name: string;
      message: string;
      detail?: Record<string, unknown>;
    };
    expect(err.name).toBe('DocumentError');
    expect({ code: err.code, message: err.message }).toMatchObject({ code: c.code });
    if (c.field !== undefined) expect(err.detail?.['field']).toBe(c.field);
    expect(err.message.length).toBeGreaterThan(0);
  });

  it('reports the first failing field in document order', () => {
    const body = { ...M, layers: [D, { ...D, size: -1 }, { ...D, digest: 'x' }], annotations: 5 };
    try {
      parseManifest(toBytes(body));
      expect.unreachable();
    } catch (err) {
      expect(isWharfError(err, 'SIZE_INVALID')).toBe(true);
      expect((err as { detail?: unknown }).detail).toEqual({
        mediaType: MEDIA_TYPE_OCI_MANIFEST,
        field: 'layers[1].size',
        issues: 3,
      });
    }
  });

  it('mentions the field and the reason in the message', () => {
    expect(() => parseManifest(toBytes(patchLayer({ digest: 'sha256:xyz' }, 2)))).toThrow(
      /layers\[2\]\.digest/,
    );
    const ok = {
      ...D,
      ...{ data: Buffer.from('abc').toString('base64'), digest: digestBytes(te.encode('abc')) },
    };
    expect(() => parseManifest(toBytes(withLayer({ ...ok, size: 4 })))).toThrow(
      /decodes to 3 bytes but size is 4/,
    );
  });
});
