import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { digestBytes, verifyBytes } from './digest.js';
import {
  manifestArtifactType,
  manifestSubject,
  manifestSuccessors,
  parseManifest,
  referrerDescriptor,
  type ManifestDocument,
} from './manifest.js';
import { ANNOTATION_REF_NAME } from './annotations.js';
import {
  ARTIFACT_TYPE_NOTARY_SIGNATURE,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
} from './media-types.js';
import { referrersTagFor } from './reference.js';
import type { Descriptor } from './types.js';

// Real Notary Project vectors, shared outside the repository: <repo root>/../shared/vectors.
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const VECTORS =
  process.env['WHARF_NOTARY_VECTORS'] ?? resolve(REPO_ROOT, '../shared/vectors/notary');
const LAYOUT = resolve(VECTORS, '04-e2e-oci-layout-valid-signature');
const blob = (digest: string): Uint8Array =>
  readFileSync(resolve(LAYOUT, 'blobs', ...digest.split(':')));

const IMAGE = 'sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9';
const SIGNATURE = 'sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f';
const REFERRERS_INDEX = 'sha256:13e107e0dd246f07ff18998a3d39e226965c41477a1bc1765f7617632ff3f283';
const EMPTY = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
const PAYLOAD = 'sha256:6de5fe1f75e4b1094c98086f403d5fd8117776ebe5aad1609281403d13dea070';
const JWS = 'sha256:c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50';

describe('Notary e2e OCI layout vectors', () => {
  it('has blobs whose names are their sha256 digests', () => {
    const names = readdirSync(resolve(LAYOUT, 'blobs/sha256'));
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const name of names) expect(digestBytes(blob(`sha256:${name}`))).toBe(`sha256:${name}`);
  });

  it('parses index.json and every manifest it lists, with sizes and digests that verify', () => {
    const root = parseManifest(readFileSync(resolve(LAYOUT, 'index.json')));
    expect(root.kind).toBe('index');
    expect(root.mediaType).toBe(MEDIA_TYPE_OCI_INDEX); // detected: index.json has no mediaType
    const entries = manifestSuccessors(root);
    expect(entries.map((d) => d.digest)).toEqual([IMAGE, SIGNATURE, REFERRERS_INDEX]);
    for (const d of entries) {
      const bytes = blob(d.digest);
      verifyBytes(bytes, d);
      expect(parseManifest(bytes, { mediaType: d.mediaType }).mediaType).toBe(d.mediaType);
    }
    expect(entries[0]?.annotations?.[ANNOTATION_REF_NAME]).toBe('v1');
    expect(entries[2]?.annotations?.[ANNOTATION_REF_NAME]).toBe(referrersTagFor(IMAGE));
  });

  it('walks the image manifest: config then layer', () => {
    const doc = parseManifest(blob(IMAGE));
    expect(manifestSuccessors(doc).map((d) => d.digest)).toEqual([EMPTY, PAYLOAD]);
    expect(manifestArtifactType(doc)).toBe('application/vnd.notation.config');
    expect(manifestSubject(doc)).toBeUndefined();
  });

  it('walks the signature manifest: config, envelope, then subject', () => {
    const doc = parseManifest(blob(SIGNATURE));
    expect(manifestSuccessors(doc).map((d) => d.digest)).toEqual([EMPTY, JWS, IMAGE]);
    expect(manifestSubject(doc)?.digest).toBe(IMAGE);
    // no artifactType field: falls back to config.mediaType
    expect(manifestArtifactType(doc)).toBe(ARTIFACT_TYPE_NOTARY_SIGNATURE);
  });

  it('rebuilds the tag-schema referrers index entry exactly', () => {
    const sigBytes = blob(SIGNATURE);
    const doc: ManifestDocument = parseManifest(sigBytes);
    const entry = referrerDescriptor(doc, digestBytes(sigBytes), sigBytes.byteLength);
    const index = parseManifest(blob(REFERRERS_INDEX));
    const listed: Descriptor[] = manifestSuccessors(index);
    expect(listed).toHaveLength(1);
    expect(entry).toEqual(listed[0]);
  });

  it('parses the referrers index and the other Notary manifests', () => {
    const alpine = readFileSync(
      resolve(VECTORS, '01-alpine-selfsigned/manifest-sha256-19dbd2e4.json'),
    );
    expect(digestBytes(alpine)).toBe(
      'sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0',
    );
    const a = parseManifest(alpine, { mediaType: MEDIA_TYPE_OCI_MANIFEST });
    expect(manifestSuccessors(a).map((d) => d.size)).toEqual([1035, 3374446]);
    const ts = parseManifest(
      readFileSync(resolve(VECTORS, '05-e2e-misc/e2e-timestamped-signature-manifest.json')),
    );
    expect(manifestArtifactType(ts)).toBe(ARTIFACT_TYPE_NOTARY_SIGNATURE);
    expect(manifestSubject(ts)?.size).toBe(582);
  });

  it('refuses the non-manifest blobs with a coded error', () => {
    expect(() => parseManifest(blob(PAYLOAD))).toThrow(
      expect.objectContaining({ code: 'JSON_INVALID' }),
    );
    expect(() => parseManifest(blob(JWS))).toThrow(
      expect.objectContaining({ code: 'MEDIA_TYPE_MISSING' }),
    );
    expect(() => parseManifest(blob(EMPTY))).toThrow(
      expect.objectContaining({ code: 'MEDIA_TYPE_MISSING' }),
    );
  });
});
