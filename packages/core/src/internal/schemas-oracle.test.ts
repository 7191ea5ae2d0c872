/**
 * The manifest and descriptor checks were zod schemas until zod's import cost (~55 ms per
 * process) moved them to hand-written code. The zod schemas stay here as the oracle: for
 * thousands of seeded mutations of valid documents, both must agree on valid or not, on the
 * first issue's path and on its error code.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { digestBytes, isDigest, isSupportedAlgorithm, tryParseDigest } from '../digest.js';
import {
  EMPTY_JSON_DIGEST,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_EMPTY,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_LAYER,
  MEDIA_TYPE_OCI_MANIFEST,
  isValidMediaType,
} from '../media-types.js';
import {
  checkDescriptor,
  checkPlatform,
  collectIssues,
  dockerListCheck,
  dockerManifestCheck,
  imageManifestCheck,
  ociIndexCheck,
  type Check,
} from './schemas.js';

// ---- the former zod schemas (as in packages/core before the change) ----
const zMediaType = z.string().refine(isValidMediaType, 'not an RFC 6838 media type');
const zDigest = z.string().refine(isDigest, 'not a valid digest');
const zSize = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const zAnnotations = z.record(z.string(), z.string());
const zPlatform = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
  features: z.array(z.string()).optional(),
});
function zCheckData(
  ctx: z.core.ParsePayload<{ data?: string | undefined; digest: string; size: number }>,
) {
  const { data, digest, size } = ctx.value;
  if (data === undefined) return;
  const bytes = Buffer.from(data, 'base64');
  let bad = bytes.byteLength !== size;
  if (!bad) {
    const parsed = tryParseDigest(digest);
    if (parsed && isSupportedAlgorithm(parsed.algorithm))
      bad = digestBytes(bytes, parsed.algorithm) !== digest;
  }
  if (bad) {
    ctx.issues.push({
      code: 'custom',
      message: 'mismatch',
      input: data,
      path: ['data'],
      params: { code: 'DATA_MISMATCH' },
    });
  }
}
function zDescriptorShape<P extends z.ZodType>(platform: P) {
  return z
    .looseObject({
      mediaType: zMediaType,
      digest: zDigest,
      size: zSize,
      urls: z.array(z.string()).optional(),
      annotations: zAnnotations.optional(),
      data: z.base64('not RFC 4648 base64').optional(),
      artifactType: zMediaType.optional(),
      platform,
    })
    .check(zCheckData);
}
const zDescriptor = zDescriptorShape(zPlatform.optional());
const zPlatformDescriptor = zDescriptorShape(zPlatform);
const zImageManifest = z
  .looseObject({
    schemaVersion: z.literal(2),
    mediaType: zMediaType.optional(),
    artifactType: zMediaType.optional(),
    config: zDescriptor,
    layers: z.array(zDescriptor),
    subject: zDescriptor.optional(),
    annotations: zAnnotations.optional(),
  })
  .check((ctx) => {
    if (
      ctx.value.config.mediaType === MEDIA_TYPE_OCI_EMPTY &&
      ctx.value.artifactType === undefined
    ) {
      ctx.issues.push({
        code: 'custom',
        message: 'required',
        input: ctx.value,
        path: ['artifactType'],
        params: { code: 'ARTIFACT_TYPE_REQUIRED' },
      });
    }
  });
const zDockerManifest = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: zMediaType.optional(),
  config: zDescriptor,
  layers: z.array(zDescriptor),
  annotations: zAnnotations.optional(),
});
const zIndex = (entry: z.ZodType) =>
  z.looseObject({
    schemaVersion: z.literal(2),
    mediaType: zMediaType.optional(),
    artifactType: zMediaType.optional(),
    manifests: z.array(entry),
    subject: zDescriptor.optional(),
    annotations: zAnnotations.optional(),
  });

// ---- seeded mutation ----
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = 'a'.repeat(64);
const D = { mediaType: MEDIA_TYPE_OCI_LAYER, digest: `sha256:${HEX}`, size: 3 };
const abc = Buffer.from('abc');
const DATA = {
  mediaType: MEDIA_TYPE_OCI_LAYER,
  digest: digestBytes(abc),
  size: 3,
  data: abc.toString('base64'),
};
const PLATFORM = {
  architecture: 'amd64',
  os: 'linux',
  variant: 'v8',
  'os.features': ['x'],
  features: ['y'],
  'os.version': '1',
};
const EMPTY = { mediaType: MEDIA_TYPE_OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2, data: 'e30=' };
const CFG = { mediaType: MEDIA_TYPE_OCI_CONFIG, digest: `sha256:${'b'.repeat(64)}`, size: 2 };

const POOL: readonly unknown[] = [
  undefined,
  null,
  true,
  0,
  2,
  1,
  -1,
  1.5,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  3,
  '',
  'x',
  '2',
  'sha256:xyz',
  `sha256:${HEX}`,
  `sha256:${HEX.toUpperCase()}`,
  EMPTY_JSON_DIGEST,
  'md5:zz!',
  MEDIA_TYPE_OCI_EMPTY,
  MEDIA_TYPE_OCI_LAYER,
  'application/x',
  'not a type',
  'e30=',
  'YWJj',
  'YWJ',
  'not base64!',
  '',
  [],
  ['x'],
  [1],
  {},
  { a: 'b' },
  { a: 1 },
  { ...D },
  { ...PLATFORM },
  { architecture: 'arm64' },
  [{ ...D }],
  { ...EMPTY },
];

type Json = Record<string, unknown> | unknown[];

/** Every container path in `doc` (the root included). */
function paths(doc: unknown, at: PropertyKey[] = [], out: PropertyKey[][] = []): PropertyKey[][] {
  if (typeof doc === 'object' && doc !== null) {
    out.push(at);
    for (const [k, v] of Object.entries(doc))
      paths(v, [...at, Array.isArray(doc) ? Number(k) : k], out);
  }
  return out;
}

function mutate(doc: Json, rand: () => number): Json {
  const copy = structuredClone(doc);
  const times = 1 + Math.floor(rand() * 3);
  for (let n = 0; n < times; n++) {
    const all = paths(copy);
    const at = all[Math.floor(rand() * all.length)] ?? [];
    let node: unknown = copy;
    for (const k of at) node = (node as Record<PropertyKey, unknown>)[k];
    const container = node as Record<string, unknown>;
    const keys = Object.keys(container);
    const extra = [
      'mediaType',
      'digest',
      'size',
      'data',
      'urls',
      'annotations',
      'artifactType',
      'platform',
      'subject',
      'config',
      'layers',
      'manifests',
      'schemaVersion',
      'os',
      'architecture',
    ];
    const key =
      rand() < 0.8 && keys.length > 0
        ? (keys[Math.floor(rand() * keys.length)] as string)
        : (extra[Math.floor(rand() * extra.length)] as string);
    const value = structuredClone(POOL[Math.floor(rand() * POOL.length)]);
    if (value === undefined && !Array.isArray(container)) delete container[key];
    else if (Array.isArray(container))
      container[Math.floor(rand() * (container.length + 1))] = value ?? null;
    else container[key] = value;
  }
  return copy;
}

interface Outcome {
  readonly valid: boolean;
  readonly path?: string;
  readonly code?: string;
}

function viaZod(schema: z.ZodType, doc: unknown): Outcome {
  const r = schema.safeParse(doc);
  if (r.success) return { valid: true };
  const issue = r.error.issues[0] as z.core.$ZodIssue;
  const code =
    issue.code === 'custom' ? (issue.params as { code?: string } | undefined)?.code : undefined;
  return { valid: false, path: JSON.stringify(issue.path), ...(code ? { code } : {}) };
}

function viaChecks(check: Check, doc: unknown): Outcome {
  const issue = collectIssues(check, doc)[0];
  if (!issue) return { valid: true };
  return {
    valid: false,
    path: JSON.stringify(issue.path),
    ...(issue.code ? { code: issue.code } : {}),
  };
}

const kinds: readonly [string, z.ZodType, Check, Json][] = [
  [
    'OCI image manifest',
    zImageManifest,
    imageManifestCheck,
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      artifactType: 'application/x',
      config: EMPTY,
      layers: [D, DATA],
      subject: { ...D, mediaType: MEDIA_TYPE_OCI_MANIFEST },
      annotations: { a: 'b' },
    },
  ],
  [
    'OCI image manifest, plain',
    zImageManifest,
    imageManifestCheck,
    { schemaVersion: 2, config: CFG, layers: [D] },
  ],
  [
    'Docker manifest',
    zDockerManifest,
    dockerManifestCheck,
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_DOCKER_MANIFEST,
      config: CFG,
      layers: [D, { ...D, urls: ['https://x'] }],
    },
  ],
  [
    'OCI index',
    zIndex(zDescriptor),
    ociIndexCheck,
    {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_INDEX,
      manifests: [
        { ...D, platform: PLATFORM },
        { ...D, artifactType: 'application/x', annotations: { k: 'v' } },
      ],
      subject: D,
    },
  ],
  [
    'Docker list',
    zIndex(zPlatformDescriptor),
    dockerListCheck,
    { schemaVersion: 2, manifests: [{ ...D, platform: PLATFORM }] },
  ],
  [
    'descriptor',
    zDescriptor,
    checkDescriptor,
    {
      ...DATA,
      urls: ['u'],
      annotations: { a: 'b' },
      artifactType: 'application/x',
      platform: PLATFORM,
    },
  ],
  ['platform', zPlatform, checkPlatform, { ...PLATFORM }],
];

describe('hand-written manifest checks agree with the former zod schemas', () => {
  for (const [name, schema, check, base] of kinds) {
    it(`${name}: the valid base document, then 3000 seeded mutations`, () => {
      expect(viaChecks(check, base)).toEqual({ valid: true });
      expect(viaZod(schema, base)).toEqual({ valid: true });
      const rand = prng(name.length * 7919);
      let invalid = 0;
      for (let i = 0; i < 3000; i++) {
        const doc = mutate(base, rand);
        const want = viaZod(schema, doc);
        expect(viaChecks(check, doc), JSON.stringify(doc)).toEqual(want);
        if (!want.valid) invalid++;
      }
      // The mutations must exercise both sides.
      expect(invalid).toBeGreaterThan(1000);
      expect(invalid).toBeLessThan(3000);
    });
  }
  it('the non-object inputs', () => {
    for (const v of [null, 1, 'x', [], true, undefined]) {
      expect(viaChecks(imageManifestCheck, v)).toEqual(viaZod(zImageManifest, v));
      expect(viaChecks(checkPlatform, v)).toEqual(viaZod(zPlatform, v));
    }
  });
});
