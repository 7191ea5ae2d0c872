import { MEDIA_TYPE_COSE, MEDIA_TYPE_NOTARY_PAYLOAD } from '@wharf/core';
import { algorithmFromCose, algorithmInfo } from '../algorithms.js';
import { CborTag, decodeCbor, encodeCbor, type CborKey, type CborValue } from '../cbor.js';
import { truncateToSeconds } from '../encoding.js';
import { NotaryError } from '../errors.js';
import {
  NOTARY_HEADERS,
  checkExtendedAttributesForSigning,
  validateSignedAttributes,
} from './attributes.js';
import { MAX_ENVELOPE_BYTES } from './jws.js';
import { HEADER, type EnvelopeContent, type ParsedEnvelope } from './types.js';

/** COSE header labels. */
export const COSE_LABEL = { alg: 1, crit: 2, contentType: 3, x5chain: 33 } as const;
const COSE_SIGN1_TAG = 18;

function malformed(msg: string): never {
  throw new NotaryError('ENVELOPE_MALFORMED', `COSE envelope: ${msg}`);
}

function isMap(v: CborValue): v is ReadonlyMap<CborKey, CborValue> {
  return v instanceof Map;
}

function time(map: ReadonlyMap<CborKey, CborValue>, name: string): Date | undefined {
  const v = map.get(name);
  if (v === undefined) return undefined;
  if (!(v instanceof CborTag) || v.tag !== 1) malformed(`${name} must be a CBOR tag 1 epoch time`);
  if (typeof v.value !== 'number' || !Number.isFinite(v.value))
    malformed(`${name} must be a numeric epoch`);
  const d = new Date(Math.floor(v.value) * 1000);
  if (Number.isNaN(d.getTime())) malformed(`${name} is out of range`);
  return d;
}

/** Builds the COSE Sig_structure `["Signature1", protected, h'', payload]`. */
export function coseSigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encodeCbor(['Signature1', protectedBytes, new Uint8Array(0), payload]);
}

function labelName(k: CborKey): string {
  return typeof k === 'number' ? String(k) : k;
}

function plainValue(v: CborValue): unknown {
  if (v instanceof CborTag) return { tag: v.tag, value: plainValue(v.value) };
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v as ReadonlyMap<CborKey, CborValue>) o[labelName(k)] = plainValue(x);
    return o;
  }
  if (Array.isArray(v)) return (v as readonly CborValue[]).map(plainValue);
  return v;
}

/**
 * Parses a COSE_Sign1_Tagged envelope (`application/cose`) and validates its structure and
 * signed attributes. The signature itself is not checked here.
 *
 * @throws NotaryError `ENVELOPE_MALFORMED` | `UNSUPPORTED_ALGORITHM`
 */
export function parseCoseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  if (bytes.length > MAX_ENVELOPE_BYTES) malformed('envelope too large');
  const top = decodeCbor(bytes);
  if (!(top instanceof CborTag) || top.tag !== COSE_SIGN1_TAG)
    malformed('not a COSE_Sign1_Tagged message (tag 18)');
  const arr = top.value;
  if (!Array.isArray(arr) || arr.length !== 4) malformed('COSE_Sign1 must be an array of 4');
  const [prot, unprot, payload, signature] = arr as readonly CborValue[];
  if (!(prot instanceof Uint8Array) || prot.length === 0) malformed('protected header is missing');
  if (unprot === undefined || !isMap(unprot)) malformed('unprotected header must be a map');
  if (!(payload instanceof Uint8Array) || payload.length === 0)
    malformed('payload is missing or detached');
  if (!(signature instanceof Uint8Array) || signature.length === 0)
    malformed('signature is missing');
  const ph = decodeCbor(prot);
  if (!isMap(ph)) malformed('protected header must be a map');

  const alg = ph.get(COSE_LABEL.alg);
  const info = typeof alg === 'number' ? algorithmFromCose(alg) : undefined;
  if (!info) {
    throw new NotaryError(
      'UNSUPPORTED_ALGORITHM',
      `COSE envelope: algorithm check: alg ${JSON.stringify(alg ?? null)} is not supported (-37/-38/-39/-7/-35/-36 only)`,
    );
  }
  const critRaw = ph.get(COSE_LABEL.crit);
  if (!Array.isArray(critRaw)) malformed('protected header crit must be an array');
  const crit = (critRaw as readonly CborValue[]).map((c) => {
    if (typeof c !== 'string' && typeof c !== 'number') malformed('crit entries must be labels');
    return labelName(c);
  });
  const names = new Set<string>();
  const extended = new Map<string, unknown>();
  for (const [k, v] of ph) {
    names.add(labelName(k));
    if (typeof k === 'string' && !NOTARY_HEADERS.has(k)) extended.set(k, plainValue(v));
    else if (typeof k === 'number' && k !== 1 && k !== 2 && k !== 3)
      extended.set(String(k), plainValue(v));
  }
  const signingTime = time(ph, HEADER.signingTime);
  const authenticSigningTime = time(ph, HEADER.authenticSigningTime);
  const expiry = time(ph, HEADER.expiry);
  const attrs = validateSignedAttributes({
    format: 'COSE',
    contentType: ph.get(COSE_LABEL.contentType),
    crit,
    names,
    signingScheme: ph.get(HEADER.signingScheme),
    ...(signingTime ? { signingTime } : {}),
    ...(authenticSigningTime ? { authenticSigningTime } : {}),
    ...(expiry ? { expiry } : {}),
    verificationPlugin: ph.get(HEADER.verificationPlugin),
    verificationPluginMinVersion: ph.get(HEADER.verificationPluginMinVersion),
    extended,
  });

  const x5chain = unprot.get(COSE_LABEL.x5chain);
  if (!Array.isArray(x5chain) || x5chain.length === 0)
    malformed('unprotected x5chain (label 33) must be a non-empty array');
  const chain = (x5chain as readonly CborValue[]).map((c, i) => {
    if (!(c instanceof Uint8Array) || c.length === 0)
      malformed(`x5chain[${i}] is not a byte string`);
    return c;
  });
  const tst = unprot.get(HEADER.timestampSignature);
  if (tst !== undefined && !(tst instanceof Uint8Array))
    malformed(`${HEADER.timestampSignature} must be a byte string`);
  const agent = unprot.get(HEADER.signingAgent);
  if (agent !== undefined && typeof agent !== 'string')
    malformed(`${HEADER.signingAgent} must be a text string`);

  const header: Record<string, unknown> = {};
  for (const [k, v] of ph) header[labelName(k)] = plainValue(v);
  return {
    mediaType: MEDIA_TYPE_COSE,
    payload,
    contentType: MEDIA_TYPE_NOTARY_PAYLOAD,
    algorithm: info.algorithm,
    ...attrs,
    certificateChain: chain,
    ...(tst instanceof Uint8Array && tst.length > 0 ? { timestampToken: tst } : {}),
    ...(typeof agent === 'string' ? { signingAgent: agent } : {}),
    signature,
    signedInput: coseSigStructure(prot, payload),
    protectedHeader: header,
  };
}

/** A COSE envelope awaiting its signature. */
export interface CoseSigningInput {
  /** The Sig_structure bytes to sign. */
  readonly signingInput: Uint8Array;
  /** The deterministic protected header bytes. */
  readonly protectedBytes: Uint8Array;
  finish(
    signature: Uint8Array,
    certificateChain: readonly Uint8Array[],
    timestampToken?: Uint8Array,
  ): Uint8Array;
}

function toCbor(value: unknown): CborValue {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isSafeInteger(value)) ||
    value instanceof Uint8Array
  ) {
    return value;
  }
  if (Array.isArray(value)) return value.map(toCbor);
  throw new NotaryError(
    'INVALID_ARGUMENT',
    'COSE extended attribute values must be text, integers, booleans, bytes or arrays',
  );
}

/**
 * Builds the deterministic protected header (notation's label order and crit order:
 * signingScheme, authenticSigningTime, expiry, then critical extended attributes).
 *
 * @throws NotaryError `INVALID_ARGUMENT`
 */
export function prepareCose(content: EnvelopeContent): CoseSigningInput {
  const info = algorithmInfo(content.algorithm);
  const extended = content.extendedAttributes ?? [];
  checkExtendedAttributesForSigning(extended, new Set());
  const map = new Map<CborKey, CborValue>([
    [COSE_LABEL.alg, info.cose],
    [COSE_LABEL.contentType, MEDIA_TYPE_NOTARY_PAYLOAD],
    [HEADER.signingScheme, content.signingScheme],
  ]);
  const crit: string[] = [HEADER.signingScheme];
  const epoch = (d: Date): CborTag => new CborTag(1, truncateToSeconds(d).getTime() / 1000);
  if (content.signingScheme === 'notary.x509')
    map.set(HEADER.signingTime, epoch(content.signingTime));
  else {
    map.set(HEADER.authenticSigningTime, epoch(content.signingTime));
    crit.push(HEADER.authenticSigningTime);
  }
  if (content.expiry) {
    map.set(HEADER.expiry, epoch(content.expiry));
    crit.push(HEADER.expiry);
  }
  for (const a of extended) {
    map.set(a.key, toCbor(a.value));
    if (a.critical) crit.push(a.key);
  }
  map.set(COSE_LABEL.crit, crit);
  const protectedBytes = encodeCbor(map);
  return {
    protectedBytes,
    signingInput: coseSigStructure(protectedBytes, content.payload),
    finish(signature, certificateChain, timestampToken) {
      const unprot = new Map<CborKey, CborValue>([[COSE_LABEL.x5chain, [...certificateChain]]]);
      if (content.signingAgent !== undefined) unprot.set(HEADER.signingAgent, content.signingAgent);
      if (timestampToken) unprot.set(HEADER.timestampSignature, timestampToken);
      return encodeCbor(
        new CborTag(COSE_SIGN1_TAG, [protectedBytes, unprot, content.payload, signature]),
      );
    },
  };
}
