import { describe, expect, it } from 'vitest';
import { digestBytes } from './digest.js';
import {
  MEDIA_TYPE_DOCKER_CONFIG,
  MEDIA_TYPE_DOCKER_LAYER_GZIP,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_EMPTY,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_MANIFEST,
  EMPTY_JSON_DIGEST,
} from './media-types.js';
import {
  manifestArtifactType,
  manifestSubject,
  manifestSuccessors,
  parseManifest,
  parseManifestValue,
  referrerDescriptor,
  type ManifestDocument,
} from './manifest.js';
import type { Descriptor } from './types.js';

const enc = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A real descriptor for `content`, so digests and `data` agree. */
function desc(content: string, mediaType: string, extra: Record<string, unknown> = {}): Descriptor {
  const b = bytesOf(content);
  return { mediaType, digest: digestBytes(b), size: b.byteLength, ...extra };
}

const CONFIG = desc('{"architecture":"amd64","os":"linux"}', MEDIA_TYPE_OCI_CONFIG);
const LAYER = desc('layer-0', MEDIA_TYPE_OCI_LAYER_GZIP);
const LAYER2 = desc('layer-1', MEDIA_TYPE_OCI_LAYER_GZIP);
const EMPTY = { mediaType: MEDIA_TYPE_OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2, data: 'e30=' };
const IMAGE = {
  schemaVersion: 2,
  mediaType: MEDIA_TYPE_OCI_MANIFEST,
  config: CONFIG,
  layers: [LAYER, LAYER2],
};
const IMAGE_DESC = desc(JSON.stringify(IMAGE), MEDIA_TYPE_OCI_MANIFEST);
const AMD64 = { architecture: 'amd64', os: 'linux' };

function asManifest(doc: ManifestDocument) {
  if (doc.kind !== 'manifest') throw new TypeError(`expected a manifest, got ${doc.kind}`);
  return doc.manifest;
}
function asIndex(doc: ManifestDocument) {
  if (doc.kind !== 'index') throw new TypeError(`expected an index, got ${doc.kind}`);
  return doc.index;
}

describe('parseManifest: valid documents', () => {
  it('parses an OCI image manifest', () => {
    const doc = parseManifest(enc(IMAGE));
    expect(doc.kind).toBe('manifest');
    expect(doc.mediaType).toBe(MEDIA_TYPE_OCI_MANIFEST);
    expect(asManifest(doc).layers).toHaveLength(2);
    expect(manifestSuccessors(doc)).toEqual([CONFIG, LAYER, LAYER2]);
    expect(manifestArtifactType(doc)).toBe(MEDIA_TYPE_OCI_CONFIG);
  });

  it('accepts conformance-style manifests: no mediaType, config with data, unknown fields, empty layers', () => {
    const configContent =
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}';
    const body = {
      schemaVersion: 2,
      config: {
        ...desc(configContent, MEDIA_TYPE_OCI_CONFIG),
        data: Buffer.from(configContent).toString('base64'),
        newUnspecifiedField: 'aGVsbG8gd29ybGQ=',
      },
      layers: [],
    };
    const doc = parseManifest(enc(body));
    expect(doc.mediaType).toBe(MEDIA_TYPE_OCI_MANIFEST);
    const m = asManifest(doc);
    expect(m.layers).toEqual([]);
    expect(m.config['newUnspecifiedField']).toBe('aGVsbG8gd29ybGQ=');
    expect(manifestSuccessors(doc).map((d) => d.digest)).toEqual([body.config.digest]);
  });

  it('preserves unknown top-level and descriptor-level fields, and key order', () => {
    const body = {
      newUnspecifiedField: { nested: [1, 2, { deep: true }] },
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      config: { ...CONFIG, newUnspecifiedField: 'x' },
      layers: [{ ...LAYER, newUnspecifiedField: null, 'vendor.extension': [true] }],
      subject: { ...IMAGE_DESC, extra: 1 },
      annotations: { 'org.example.a': 'b' },
      zzz: 'last',
    };
    const text = JSON.stringify(body);
    const doc = parseManifest(bytesOf(text));
    const m = asManifest(doc);
    expect(m['newUnspecifiedField']).toEqual({ nested: [1, 2, { deep: true }] });
    expect(m['zzz']).toBe('last');
    expect(m.config['newUnspecifiedField']).toBe('x');
    expect(m.layers[0]?.['newUnspecifiedField']).toBeNull();
    expect(m.layers[0]?.['vendor.extension']).toEqual([true]);
    expect(m.subject?.['extra']).toBe(1);
    expect(JSON.stringify(m)).toBe(text);
  });

  it('preserves unknown fields in index entries and platforms', () => {
    const body = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_INDEX,
      manifests: [
        { ...IMAGE_DESC, platform: { ...AMD64, 'x-extra': 'y' }, newUnspecifiedField: 7 },
      ],
      newUnspecifiedField: 'top',
    };
    const text = JSON.stringify(body);
    const idx = asIndex(parseManifest(bytesOf(text)));
    expect(idx['newUnspecifiedField']).toBe('top');
    expect(idx.manifests[0]?.['newUnspecifiedField']).toBe(7);
    expect(JSON.stringify(idx)).toBe(text);
  });

  it('parses an index without mediaType as an OCI index (empty manifests allowed)', () => {
    const doc = parseManifest(enc({ schemaVersion: 2, manifests: [] }));
    expect(doc).toEqual({
      kind: 'index',
      mediaType: MEDIA_TYPE_OCI_INDEX,
      index: { schemaVersion: 2, manifests: [] },
    });
    expect(manifestSuccessors(doc)).toEqual([]);
    expect(manifestArtifactType(doc)).toBeUndefined();
  });

  it('parses an index with artifactType, subject and platforms; subject comes last in successors', () => {
    const child = desc('child', MEDIA_TYPE_OCI_MANIFEST, {
      platform: {
        architecture: 'arm64',
        os: 'linux',
        variant: 'v8',
        'os.version': '1',
        'os.features': ['f'],
      },
    });
    const body = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_INDEX,
      artifactType: 'application/vnd.example.bundle.v1',
      manifests: [IMAGE_DESC, child, desc('nested', MEDIA_TYPE_OCI_INDEX)],
      subject: IMAGE_DESC,
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    };
    const doc = parseManifest(enc(body));
    expect(manifestArtifactType(doc)).toBe('application/vnd.example.bundle.v1');
    expect(manifestSubject(doc)).toEqual(IMAGE_DESC);
    expect(manifestSuccessors(doc)).toEqual([IMAGE_DESC, child, body.manifests[2], IMAGE_DESC]);
  });

  it('parses an artifact with the empty config and artifactType', () => {
    const body = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      artifactType: 'application/vnd.example.sbom.v1',
      config: EMPTY,
      layers: [EMPTY],
      subject: IMAGE_DESC,
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    };
    const bytes = enc(body);
    const doc = parseManifest(bytes);
    expect(manifestArtifactType(doc)).toBe('application/vnd.example.sbom.v1');
    expect(manifestSuccessors(doc)).toEqual([EMPTY, EMPTY, IMAGE_DESC]);
    expect(referrerDescriptor(doc, digestBytes(bytes), bytes.byteLength)).toEqual({
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      digest: digestBytes(bytes),
      size: bytes.byteLength,
      artifactType: 'application/vnd.example.sbom.v1',
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    });
  });

  it('parses a Docker schema 2 manifest; its subject is not an edge', () => {
    const body = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_DOCKER_MANIFEST,
      config: desc('{}', MEDIA_TYPE_DOCKER_CONFIG),
      layers: [
        desc('l0', MEDIA_TYPE_DOCKER_LAYER_GZIP),
        desc('l1', 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', {
          urls: ['https://example.com/layer.tar.gz'],
        }),
      ],
      subject: IMAGE_DESC,
    };
    const doc = parseManifest(enc(body), { mediaType: MEDIA_TYPE_DOCKER_MANIFEST });
    expect(doc.kind).toBe('manifest');
    expect(doc.mediaType).toBe(MEDIA_TYPE_DOCKER_MANIFEST);
    expect(manifestSuccessors(doc)).toEqual([body.config, ...body.layers]);
    expect(manifestSubject(doc)).toBeUndefined();
    expect(manifestArtifactType(doc)).toBe(MEDIA_TYPE_DOCKER_CONFIG);
  });

  it('parses a Docker manifest list; its subject is not an edge either', () => {
    const body = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_DOCKER_MANIFEST_LIST,
      subject: IMAGE_DESC,
      manifests: [
        desc('a', MEDIA_TYPE_DOCKER_MANIFEST, { platform: AMD64 }),
        desc('b', MEDIA_TYPE_DOCKER_MANIFEST, {
          platform: { architecture: 'arm', os: 'linux', variant: 'v7' },
        }),
      ],
    };
    const doc = parseManifest(enc(body));
    expect(doc.kind).toBe('index');
    expect(asIndex(doc).manifests[1]?.platform?.variant).toBe('v7');
    expect(manifestSuccessors(doc)).toEqual(body.manifests);
  });

  it('uses the declared media type when the body has none, ignoring parameters and case', () => {
    const { mediaType: _omit, ...noType } = IMAGE;
    expect(parseManifest(enc(noType), { mediaType: MEDIA_TYPE_OCI_MANIFEST }).mediaType).toBe(
      MEDIA_TYPE_OCI_MANIFEST,
    );
    const doc = parseManifest(enc(IMAGE), {
      mediaType: 'Application/VND.oci.image.manifest.v1+json; charset=utf-8',
    });
    expect(doc.mediaType).toBe(MEDIA_TYPE_OCI_MANIFEST);
    expect(
      parseManifest(enc(noType), { mediaType: `${MEDIA_TYPE_OCI_MANIFEST} ; q=1` }).mediaType,
    ).toBe(MEDIA_TYPE_OCI_MANIFEST);
  });

  it('accepts a body whose declared type is an index though it lacks a mediaType field', () => {
    const doc = parseManifest(enc({ schemaVersion: 2, manifests: [IMAGE_DESC] }), {
      mediaType: MEDIA_TYPE_OCI_INDEX,
    });
    expect(doc.kind).toBe('index');
  });

  it('treats duplicate keys like JSON.parse: the last one wins', () => {
    const text = `{"schemaVersion":1,"schemaVersion":2,"mediaType":"${MEDIA_TYPE_OCI_INDEX}","manifests":[]}`;
    expect(parseManifest(bytesOf(text)).kind).toBe('index');
  });

  it('checks data against size only when the digest algorithm is not computable', () => {
    const layer = {
      mediaType: 'application/octet-stream',
      digest: 'foo+b64:YWJj',
      size: 3,
      data: 'YWJj',
    };
    expect(() => parseManifest(enc({ ...IMAGE, layers: [layer] }))).not.toThrow();
  });

  it('accepts empty data for size 0 and sha512 data', () => {
    const empty = { ...desc('', 'application/octet-stream'), data: '' };
    const b = bytesOf('hello');
    const sha512 = {
      mediaType: 'text/plain',
      digest: digestBytes(b, 'sha512'),
      size: 5,
      data: 'aGVsbG8=',
    };
    expect(
      asManifest(parseManifest(enc({ ...IMAGE, layers: [empty, sha512] }))).layers,
    ).toHaveLength(2);
  });

  it('accepts a manifest just under maxBytes and a maxDepth that fits', () => {
    const bytes = enc(IMAGE);
    expect(() => parseManifest(bytes, { maxBytes: bytes.byteLength, maxDepth: 3 })).not.toThrow();
  });

  it('parses a ~3.9 MB manifest (the distribution-spec main suite size) within the 4 MiB default', () => {
    const annotations: Record<string, string> = {};
    for (let i = 0; i < 390; i++) annotations[`org.example.key${i}`] = 'x'.repeat(10_000);
    const bytes = enc({ ...IMAGE, annotations });
    expect(bytes.byteLength).toBeGreaterThan(3_900_000);
    expect(bytes.byteLength).toBeLessThan(4 * 1024 * 1024);
    const start = performance.now();
    const doc = parseManifest(bytes);
    expect(performance.now() - start).toBeLessThan(2_000);
    expect(Object.keys(asManifest(doc).annotations ?? {})).toHaveLength(390);
  });

  it('parseManifestValue validates an already parsed value', () => {
    expect(parseManifestValue(structuredClone(IMAGE)).kind).toBe('manifest');
    expect(() => parseManifestValue(null)).toThrow(
      expect.objectContaining({ code: 'NOT_AN_OBJECT' }),
    );
  });
});

describe('referrerDescriptor and manifestArtifactType', () => {
  it('omits artifactType for an index without one, and copies annotations', () => {
    const annotations = { a: 'b' };
    const doc = parseManifestValue({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_INDEX,
      manifests: [],
      annotations,
    });
    const d = referrerDescriptor(doc, IMAGE_DESC.digest, 10);
    expect(d).toEqual({
      mediaType: MEDIA_TYPE_OCI_INDEX,
      digest: IMAGE_DESC.digest,
      size: 10,
      annotations,
    });
    expect(d.annotations).not.toBe(annotations);
  });
  it('omits annotations when the manifest has none, and prefers artifactType over config.mediaType', () => {
    const doc = parseManifestValue({ ...IMAGE, artifactType: 'application/vnd.x' });
    expect(referrerDescriptor(doc, IMAGE_DESC.digest, 1)).toEqual({
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      digest: IMAGE_DESC.digest,
      size: 1,
      artifactType: 'application/vnd.x',
    });
  });
});
