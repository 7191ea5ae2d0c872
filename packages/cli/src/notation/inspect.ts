/**
 * notation's `inspect` rendering of one signature envelope, as a tree node list and as the JSON
 * object (`-o json`): signature algorithm, envelope type, signed attributes, user metadata,
 * unsigned attributes (signing agent, timestamp), certificates and the signed artifact. Times
 * are Go `time.ANSIC` in the value's own zone (JWS offsets kept), fingerprints lowercase.
 * @module
 */
import {
  HEADER,
  formatRfc3339,
  parseCertificates,
  parseEnvelope,
  parsePayload,
  parseTimestampToken,
  type ParsedEnvelope,
} from '@wharf/notary';
import { node, type TreeNode } from '../oras/tree.js';

/** A tree line while building (converted to the oras tree at the end). */
interface Item {
  readonly text: string;
  readonly children?: readonly Item[];
}

function toNode(item: Item): TreeNode {
  return node(item.text, (item.children ?? []).map(toNode));
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go `time.ANSIC` (`Mon Jan _2 15:04:05 2006`) at a UTC offset in minutes. */
export function ansic(d: Date, offsetMinutes = 0): string {
  const t = new Date(d.getTime() + offsetMinutes * 60_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[t.getUTCDay()]} ${MONTHS[t.getUTCMonth()]} ${String(t.getUTCDate()).padStart(2, ' ')} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} ${t.getUTCFullYear()}`;
}

/** A time header as the signer wrote it (JWS keeps its offset), else UTC RFC 3339. */
function headerTime(
  env: ParsedEnvelope,
  name: string,
  value: Date,
): { text: string; offset: number } {
  const raw = env.protectedHeader[name];
  if (typeof raw === 'string') {
    const m = /([+-])(\d{2}):(\d{2})$/.exec(raw);
    const offset = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
    return { text: raw, offset };
  }
  return { text: formatRfc3339(value), offset: 0 };
}

/** Go's RFC3339Nano: fraction without trailing zeros. */
function rfc3339Nano(d: Date): string {
  return d
    .toISOString()
    .replace(/\.000Z$/, 'Z')
    .replace(/(\.\d*?)0+Z$/, '$1Z');
}

function certJson(ders: readonly Uint8Array[]): Record<string, string>[] {
  return ders
    .flatMap((d) => parseCertificates(d))
    .map((c) => ({
      SHA256Fingerprint: c.sha256Fingerprint,
      issuedTo: c.subject,
      issuedBy: c.issuer,
      expiry: formatRfc3339(c.notAfter),
    }));
}

function certNodes(ders: readonly Uint8Array[]): Item[] {
  return ders
    .flatMap((d) => parseCertificates(d))
    .map((c) => ({
      text: `SHA256 fingerprint: ${c.sha256Fingerprint}`,
      children: [
        { text: `issued to: ${c.subject}` },
        { text: `issued by: ${c.issuer}` },
        { text: `expiry: ${ansic(c.notAfter)}` },
      ],
    }));
}

const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number =>
  a < b ? -1 : a > b ? 1 : 0;

/** The inspect view of one envelope. */
export interface EnvelopeInspection {
  /** notation's JSON object (without `digest`, which the caller adds for registry signatures). */
  readonly json: Record<string, unknown>;
  /** The child nodes under the signature's line. */
  readonly nodes: TreeNode[];
}

/**
 * Builds notation's inspect view of an envelope.
 *
 * @throws NotaryError `ENVELOPE_MALFORMED` and other parse errors
 */
export function inspectEnvelope(bytes: Uint8Array, mediaType: string): EnvelopeInspection {
  const env = parseEnvelope(bytes, mediaType);
  const target = parsePayload(env.payload).targetArtifact;
  const signed: Record<string, string> = {
    contentType: env.contentType,
    signingScheme: env.signingScheme,
  };
  const signedNodes: Item[] = [
    { text: `content type: ${env.contentType}` },
    { text: `signing scheme: ${env.signingScheme}` },
  ];
  if (env.signingTime) {
    const t = headerTime(env, HEADER.signingTime, env.signingTime);
    signed['signingTime'] = t.text;
    signedNodes.push({ text: `signing time: ${ansic(env.signingTime, t.offset)}` });
  }
  if (env.authenticSigningTime) {
    const t = headerTime(env, HEADER.authenticSigningTime, env.authenticSigningTime);
    signed['authenticSigningTime'] = t.text;
    signedNodes.push({
      text: `authentic signing time: ${ansic(env.authenticSigningTime, t.offset)}`,
    });
  }
  if (env.expiry) {
    const t = headerTime(env, HEADER.expiry, env.expiry);
    signed['expiry'] = t.text;
    signedNodes.push({ text: `expiry: ${ansic(env.expiry, t.offset)}` });
  }
  for (const a of env.extendedAttributes) {
    const v = typeof a.value === 'string' ? a.value : JSON.stringify(a.value);
    signed[a.key] = v;
    signedNodes.push({ text: `${a.key}: ${v}` });
  }
  const annotations = Object.entries(target.annotations ?? {}).sort(byKey);
  const unsigned: Record<string, unknown> = {};
  const unsignedNodes: Item[] = [];
  if (env.signingAgent !== undefined) {
    unsigned['signingAgent'] = env.signingAgent;
    unsignedNodes.push({ text: `signing agent: ${env.signingAgent}` });
  }
  if (env.timestampToken) {
    try {
      const ts = parseTimestampToken(env.timestampToken);
      const ders = ts.certificates.map((c) => c.der);
      unsigned['timestampSignature'] = {
        timestamp: `[${rfc3339Nano(ts.lower)}, ${rfc3339Nano(ts.upper)}]`,
        certificates: certJson(ders),
      };
      unsignedNodes.push({
        text: 'timestamp signature',
        children: [
          { text: `timestamp: [${ansic(ts.lower)}, ${ansic(ts.upper)}]` },
          { text: 'certificates', children: certNodes(ders) },
        ],
      });
    } catch (err) {
      const msg = `failed to parse timestamp countersignature: ${err instanceof Error ? err.message : String(err)}`;
      unsigned['timestampSignature'] = { error: msg };
      unsignedNodes.push({ text: 'timestamp signature', children: [{ text: `error: ${msg}` }] });
    }
  }
  return {
    json: {
      signatureAlgorithm: env.algorithm,
      signatureEnvelopeType: env.mediaType,
      signedAttributes: Object.fromEntries(Object.entries(signed).sort(byKey)),
      userDefinedAttributes: annotations.length > 0 ? Object.fromEntries(annotations) : null,
      unsignedAttributes: unsigned,
      certificates: certJson(env.certificateChain),
      signedArtifact: { mediaType: target.mediaType, digest: target.digest, size: target.size },
    },
    nodes: (
      [
        { text: `signature algorithm: ${env.algorithm}` },
        { text: `signature envelope type: ${env.mediaType}` },
        { text: 'signed attributes', children: signedNodes },
        {
          text: 'user defined attributes',
          children:
            annotations.length > 0
              ? annotations.map(([k, v]) => ({ text: `${k}: ${v}` }))
              : [{ text: '(empty)' }],
        },
        {
          text: 'unsigned attributes',
          children: unsignedNodes.length > 0 ? unsignedNodes : [{ text: '(empty)' }],
        },
        { text: 'certificates', children: certNodes(env.certificateChain) },
        {
          text: 'signed artifact',
          children: [
            { text: `media type: ${target.mediaType}` },
            { text: `digest: ${target.digest}` },
            { text: `size: ${target.size}` },
          ],
        },
      ] as Item[]
    ).map(toNode),
  };
}
