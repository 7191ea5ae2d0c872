import { describe, expect, it } from 'vitest';
import { EMPTY_JSON_DIGEST, isWharfError } from '@wharf/core';
import {
  ANNOTATION_CREATED,
  ANNOTATION_X509_THUMBPRINTS,
  buildSignatureManifest,
  parseSignatureManifest,
} from './index.js';

const subject = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'a'.repeat(64)}`,
  size: 10,
  annotations: { dropped: 'yes' },
};
const envelope = new TextEncoder().encode('{"payload":"x"}');
const chain = [new Uint8Array([1, 2, 3]), new Uint8Array([4])];
const signingTime = new Date('2026-01-02T03:04:05.678Z');

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isWharfError(err) ? err.code : String(err);
  }
  return undefined;
}

describe('buildSignatureManifest', () => {
  it('builds the OCI 1.1 form with thumbprints (lowercase) and created time', () => {
    const m = buildSignatureManifest({
      envelope,
      envelopeMediaType: 'application/jose+json',
      certificateChain: chain,
      signingTime,
      subject,
    });
    const doc = JSON.parse(new TextDecoder().decode(m.bytes)) as Record<string, unknown>;
    expect(doc).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.cncf.notary.signature',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: EMPTY_JSON_DIGEST,
        size: 2,
        data: 'e30=',
      },
      layers: [m.envelopeDescriptor],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: 10 },
      annotations: {
        [ANNOTATION_X509_THUMBPRINTS]:
          '["039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81","e52d9c508c502347344d8c07ad91cbd6068afc75ff6292f062a09ca381c89e71"]',
        [ANNOTATION_CREATED]: '2026-01-02T03:04:05Z',
      },
    });
    expect(m.descriptor.artifactType).toBe('application/vnd.cncf.notary.signature');
    const parsed = parseSignatureManifest(m.bytes, m.descriptor.mediaType);
    expect(parsed.form).toBe('oci-1.1');
    expect(parsed.envelope).toEqual(m.envelopeDescriptor);
    expect(parsed.thumbprints).toHaveLength(2);
  });

  it('builds and reads the legacy (notation v1.3) form', () => {
    const m = buildSignatureManifest({
      envelope,
      envelopeMediaType: 'application/cose',
      certificateChain: chain,
      signingTime,
      subject,
      form: 'legacy',
    });
    const doc = JSON.parse(new TextDecoder().decode(m.bytes)) as Record<string, unknown>;
    expect(doc['artifactType']).toBeUndefined();
    expect(doc['config']).toEqual({
      mediaType: 'application/vnd.cncf.notary.signature',
      digest: EMPTY_JSON_DIGEST,
      size: 2,
    });
    expect(parseSignatureManifest(m.bytes).form).toBe('legacy');
  });
});

describe('parseSignatureManifest rejects malformed manifests', () => {
  const good = JSON.parse(
    new TextDecoder().decode(
      buildSignatureManifest({
        envelope,
        envelopeMediaType: 'application/jose+json',
        certificateChain: chain,
        signingTime,
        subject,
      }).bytes,
    ),
  ) as Record<string, unknown>;
  const layer = (good['layers'] as unknown[])[0] as Record<string, unknown>;
  it.each([
    ['not JSON', new TextEncoder().encode('{')],
    ['not an object', enc([1])],
    [
      'wrong manifest media type',
      enc({ ...good, mediaType: 'application/vnd.oci.image.index.v1+json' }),
    ],
    ['wrong artifactType', enc({ ...good, artifactType: 'application/spdx+json' })],
    [
      'artifactType with legacy config',
      enc({
        ...good,
        config: {
          mediaType: 'application/vnd.cncf.notary.signature',
          digest: EMPTY_JSON_DIGEST,
          size: 2,
        },
      }),
    ],
    ['no artifactType and empty config', enc({ ...good, artifactType: undefined })],
    ['two layers', enc({ ...good, layers: [layer, layer] })],
    ['no layers', enc({ ...good, layers: [] })],
    ['layers not an array', enc({ ...good, layers: {} })],
    ['unknown envelope type', enc({ ...good, layers: [{ ...layer, mediaType: 'text/plain' }] })],
    ['bad layer digest', enc({ ...good, layers: [{ ...layer, digest: 'sha256:zz' }] })],
    ['negative size', enc({ ...good, layers: [{ ...layer, size: -1 }] })],
    ['oversize envelope', enc({ ...good, layers: [{ ...layer, size: 33 * 1024 * 1024 }] })],
    ['annotation not a string', enc({ ...good, annotations: { a: 1 } })],
    ['bad subject', enc({ ...good, subject: { mediaType: 'x' } })],
    ['schemaVersion 1', enc({ ...good, schemaVersion: 1 })],
    ['oversize manifest', new Uint8Array(4 * 1024 * 1024 + 1)],
  ])('%s', (_name, bytes) => {
    expect(code(() => parseSignatureManifest(bytes))).toBe('SIGNATURE_MANIFEST_INVALID');
  });

  it('rejects a media type that differs from the descriptor', () => {
    expect(
      code(() => parseSignatureManifest(enc(good), 'application/vnd.oci.image.index.v1+json')),
    ).toBe('SIGNATURE_MANIFEST_INVALID');
  });

  it('reads the withdrawn OCI artifact manifest', () => {
    const m = parseSignatureManifest(
      enc({
        mediaType: 'application/vnd.oci.artifact.manifest.v1+json',
        artifactType: 'application/vnd.cncf.notary.signature',
        blobs: [layer],
        subject: good['subject'],
      }),
    );
    expect(m.form).toBe('artifact-manifest');
  });
});
