import { describe, expect, it } from 'vitest';
import { parseDescriptor, parsePlatform } from './descriptor.js';
import { isWharfError } from './errors.js';
import { EMPTY_JSON_DIGEST, MEDIA_TYPE_OCI_EMPTY } from './media-types.js';

/** Runs `fn` and returns the code and `detail.field` of the WharfError it throws. */
function failure(fn: () => unknown): { code: string; field: unknown } {
  try {
    fn();
  } catch (err) {
    if (isWharfError(err)) return { code: err.code, field: err.detail?.['field'] };
    throw err;
  }
  throw new TypeError('expected a throw');
}

const EMPTY = { mediaType: MEDIA_TYPE_OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 };

describe('parseDescriptor', () => {
  it('returns the very object it was given, unknown fields included', () => {
    const value = { ...EMPTY, data: 'e30=', newUnspecifiedField: [1], annotations: {}, urls: [] };
    expect(parseDescriptor(value)).toBe(value);
  });

  it('accepts media types with parameters and unknown grammatical digest algorithms', () => {
    expect(() =>
      parseDescriptor({
        mediaType: 'text/plain; charset=utf-8',
        digest: 'multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8',
        size: 0,
      }),
    ).not.toThrow();
  });

  it('prefixes error fields with the given path', () => {
    expect(failure(() => parseDescriptor({ ...EMPTY, size: -2 }, 'subject'))).toEqual({
      code: 'SIZE_INVALID',
      field: 'subject.size',
    });
    expect(failure(() => parseDescriptor({ ...EMPTY, digest: undefined }, 'manifests[3]'))).toEqual(
      { code: 'FIELD_MISSING', field: 'manifests[3].digest' },
    );
    expect(failure(() => parseDescriptor({ ...EMPTY, annotations: { 'a b': 1 } }))).toEqual({
      code: 'ANNOTATIONS_INVALID',
      field: 'annotations["a b"]',
    });
  });

  it('refuses non-objects', () => {
    for (const v of [null, undefined, 1, 'x', [EMPTY]]) {
      expect(failure(() => parseDescriptor(v))).toEqual({ code: 'FIELD_TYPE_INVALID', field: '' });
    }
  });

  it('checks embedded data against size and digest', () => {
    expect(() => parseDescriptor({ ...EMPTY, data: 'e30=' })).not.toThrow();
    expect(() => parseDescriptor({ ...EMPTY, data: 'W10=' })).toThrow(
      expect.objectContaining({ code: 'DATA_MISMATCH' }),
    );
    expect(() => parseDescriptor({ ...EMPTY, data: 'e30' })).toThrow(
      expect.objectContaining({ code: 'DATA_INVALID' }),
    );
  });
});

describe('parsePlatform', () => {
  it('accepts a full platform and keeps unknown fields', () => {
    const p = {
      architecture: 'arm64',
      os: 'linux',
      variant: 'v8',
      'os.version': '10',
      'os.features': ['a'],
      features: [],
      x: 1,
    };
    expect(parsePlatform(p)).toBe(p);
  });
  it('codes missing and malformed fields', () => {
    expect(failure(() => parsePlatform({ os: 'linux' }))).toEqual({
      code: 'FIELD_MISSING',
      field: 'platform.architecture',
    });
    expect(
      failure(() => parsePlatform({ architecture: 'amd64', os: 'linux', variant: 8 })),
    ).toEqual({ code: 'PLATFORM_INVALID', field: 'platform.variant' });
    expect(failure(() => parsePlatform('linux/amd64'))).toEqual({
      code: 'PLATFORM_INVALID',
      field: 'platform',
    });
  });
});
