import { MEDIA_TYPE_JWS, MEDIA_TYPE_NOTARY_PAYLOAD } from '@wharf/core';
import { algorithmFromJws, algorithmInfo } from '../algorithms.js';
import {
  decodeBase64Std,
  decodeBase64Url,
  decodeUtf8,
  encodeBase64Std,
  encodeBase64Url,
  formatRfc3339,
  goJsonStringify,
  parseRfc3339,
  truncateToSeconds,
} from '../encoding.js';
import { NotaryError } from '../errors.js';
import {
  NOTARY_HEADERS,
  checkExtendedAttributesForSigning,
  validateSignedAttributes,
} from './attributes.js';
import { HEADER, type EnvelopeContent, type ParsedEnvelope } from './types.js';

/** Max envelope size accepted by the parsers (notation: 32 MiB blob limit). */
export const MAX_ENVELOPE_BYTES = 32 * 1024 * 1024;

const JWS_REGISTERED = new Set(['alg', 'cty', 'crit']);

function malformed(msg: string, cause?: unknown): never {
  throw new NotaryError(
    'ENVELOPE_MALFORMED',
    `JWS envelope: ${msg}`,
    cause === undefined ? undefined : { cause },
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseTime(header: Record<string, unknown>, name: string): Date | undefined {
  const v = header[name];
  if (v === undefined) return undefined;
  const d = typeof v === 'string' ? parseRfc3339(v) : undefined;
  if (!d) malformed(`protected header ${name} is not an RFC 3339 time`);
  return d;
}

/**
 * Parses a flattened JWS JSON envelope (`application/jose+json`) and validates its structure and
 * signed attributes. The signature itself is not checked here (see `verifyIntegrity`).
 *
 * @throws NotaryError `ENVELOPE_MALFORMED` | `UNSUPPORTED_ALGORITHM`
 * @example const env = parseJwsEnvelope(bytes); env.signingScheme // 'notary.x509'
 */
export function parseJwsEnvelope(bytes: Uint8Array): ParsedEnvelope {
  if (bytes.length > MAX_ENVELOPE_BYTES) malformed('envelope too large');
  let doc: unknown;
  try {
    doc = JSON.parse(decodeUtf8(bytes, 'JWS envelope'));
  } catch (err) {
    malformed('not valid JSON', err);
  }
  if (!isRecord(doc)) malformed('not a JSON object');
  for (const key of Object.keys(doc)) {
    if (!['payload', 'protected', 'header', 'signature'].includes(key)) {
      malformed(`unexpected member "${key}" (only flattened JSON serialization is supported)`);
    }
  }
  const { payload, protected: prot, header, signature } = doc;
  if (typeof payload !== 'string' || payload === '') malformed('payload is missing');
  if (typeof prot !== 'string' || prot === '') malformed('protected header is missing');
  if (typeof signature !== 'string' || signature === '') malformed('signature is missing');
  if (!isRecord(header)) malformed('unprotected header is missing');

  const payloadBytes = decodeBase64Url(payload, 'JWS payload');
  const sigBytes = decodeBase64Url(signature, 'JWS signature');
  const protBytes = decodeBase64Url(prot, 'JWS protected header');
  let ph: unknown;
  try {
    ph = JSON.parse(decodeUtf8(protBytes, 'JWS protected header'));
  } catch (err) {
    if (err instanceof NotaryError) throw err;
    malformed('protected header is not valid JSON', err);
  }
  if (!isRecord(ph)) malformed('protected header is not a JSON object');

  const alg = ph.alg;
  const info = typeof alg === 'string' ? algorithmFromJws(alg) : undefined;
  if (!info) {
    throw new NotaryError(
      'UNSUPPORTED_ALGORITHM',
      `JWS envelope: algorithm check: alg ${JSON.stringify(alg)} is not supported (PS256/384/512, ES256/384/512 only)`,
    );
  }
  const crit = ph.crit;
  if (!Array.isArray(crit) || !crit.every((c): c is string => typeof c === 'string')) {
    malformed('protected header crit must be an array of strings');
  }
  const extended = new Map<string, unknown>();
  for (const [k, v] of Object.entries(ph)) {
    if (!JWS_REGISTERED.has(k) && !NOTARY_HEADERS.has(k)) extended.set(k, v);
  }
  const attrs = validateSignedAttributes({
    format: 'JWS',
    contentType: ph.cty,
    crit,
    names: new Set(Object.keys(ph)),
    signingScheme: ph[HEADER.signingScheme],
    ...optionalTime('signingTime', parseTime(ph, HEADER.signingTime)),
    ...optionalTime('authenticSigningTime', parseTime(ph, HEADER.authenticSigningTime)),
    ...optionalTime('expiry', parseTime(ph, HEADER.expiry)),
    verificationPlugin: ph[HEADER.verificationPlugin],
    verificationPluginMinVersion: ph[HEADER.verificationPluginMinVersion],
    extended,
  });

  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0)
    malformed('unprotected header x5c (certificate chain) is missing');
  const chain = x5c.map((c, i) => {
    if (typeof c !== 'string') malformed(`x5c[${i}] is not a string`);
    return decodeBase64Std(c, `JWS x5c[${i}]`);
  });
  const tst = header[HEADER.timestampSignature];
  if (tst !== undefined && typeof tst !== 'string')
    malformed(`${HEADER.timestampSignature} is not a string`);
  const agent = header[HEADER.signingAgent];
  if (agent !== undefined && typeof agent !== 'string')
    malformed(`${HEADER.signingAgent} is not a string`);

  return {
    mediaType: MEDIA_TYPE_JWS,
    payload: payloadBytes,
    contentType: MEDIA_TYPE_NOTARY_PAYLOAD,
    algorithm: info.algorithm,
    ...attrs,
    certificateChain: chain,
    ...(typeof tst === 'string' && tst !== ''
      ? { timestampToken: decodeBase64Std(tst, `JWS ${HEADER.timestampSignature}`) }
      : {}),
    ...(typeof agent === 'string' ? { signingAgent: agent } : {}),
    signature: sigBytes,
    signedInput: new Uint8Array(Buffer.from(`${prot}.${payload}`, 'ascii')),
    protectedHeader: ph,
  };
}

function optionalTime<K extends string>(key: K, d: Date | undefined): { [P in K]?: Date } {
  return (d ? { [key]: d } : {}) as { [P in K]?: Date };
}

/** A JWS envelope awaiting its signature. */
export interface JwsSigningInput {
  /** Bytes to sign: ASCII of `protected.payload`. */
  readonly signingInput: Uint8Array;
  /** Assembles the final envelope bytes. */
  finish(
    signature: Uint8Array,
    certificateChain: readonly Uint8Array[],
    timestampToken?: Uint8Array,
  ): Uint8Array;
}

/**
 * Builds the protected header (keys sorted, like notation) and returns the signing input plus
 * a function that assembles the envelope.
 *
 * @throws NotaryError `INVALID_ARGUMENT`
 */
export function prepareJws(content: EnvelopeContent): JwsSigningInput {
  const info = algorithmInfo(content.algorithm);
  const extended = content.extendedAttributes ?? [];
  checkExtendedAttributesForSigning(extended, JWS_REGISTERED);
  const header: Record<string, unknown> = {
    alg: info.jws,
    cty: MEDIA_TYPE_NOTARY_PAYLOAD,
    [HEADER.signingScheme]: content.signingScheme,
  };
  const crit: string[] = [HEADER.signingScheme];
  for (const a of extended) {
    header[a.key] = a.value;
    if (a.critical) crit.push(a.key);
  }
  const time = formatRfc3339(truncateToSeconds(content.signingTime));
  if (content.signingScheme === 'notary.x509') header[HEADER.signingTime] = time;
  else {
    header[HEADER.authenticSigningTime] = time;
    crit.push(HEADER.authenticSigningTime);
  }
  if (content.expiry) {
    header[HEADER.expiry] = formatRfc3339(truncateToSeconds(content.expiry));
    crit.push(HEADER.expiry);
  }
  header.crit = crit;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(header).sort()) sorted[k] = header[k];
  const prot = encodeBase64Url(Buffer.from(goJsonStringify(sorted), 'utf8'));
  const payload = encodeBase64Url(content.payload);
  return {
    signingInput: new Uint8Array(Buffer.from(`${prot}.${payload}`, 'ascii')),
    finish(signature, certificateChain, timestampToken) {
      const unprotected: Record<string, unknown> = {};
      if (timestampToken) unprotected[HEADER.timestampSignature] = encodeBase64Std(timestampToken);
      if (content.signingAgent !== undefined)
        unprotected[HEADER.signingAgent] = content.signingAgent;
      unprotected.x5c = certificateChain.map((c) => encodeBase64Std(c));
      const env = {
        payload,
        protected: prot,
        header: unprotected,
        signature: encodeBase64Url(signature),
      };
      return new Uint8Array(Buffer.from(goJsonStringify(env), 'utf8'));
    },
  };
}
