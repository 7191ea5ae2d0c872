import { createHash, randomBytes } from 'node:crypto';
import type { SignedData } from '@peculiar/asn1-cms';
import type { TimeStampResp } from '@peculiar/asn1-tsp';
import { asn1Cms, asn1Schema, asn1Tsp, asn1X509 } from './asn1.js';
import type { HashAlgorithm } from './algorithms.js';
import { DIGEST_OIDS, HASH_OIDS, verifyAsnSignature } from './asn-signature.js';
import {
  findInvalidAt,
  isIssuedBy,
  isSelfSigned,
  parseCertificate,
  parseCertificates,
  validateCertificateChain,
  type Certificate,
} from './cert.js';
import { decodeOid, readChildren, readTlv } from './der.js';
import { NotaryError, errorMessage } from './errors.js';

const { AsnConvert, OctetString } = asn1Schema;
const { AlgorithmIdentifier } = asn1X509;

/**
 * Obtains an RFC 3161 countersignature. Wharf stamps the primitive signature bytes with the
 * hash of the signing algorithm. Implementations do the transport (HTTP POST
 * `application/timestamp-query`); {@link createTimestampRequest} and
 * {@link parseTimestampResponse} do the encoding.
 */
export interface Timestamper {
  /** Returns a DER TimeStampToken (CMS ContentInfo) over `message`. */
  timestamp(message: Uint8Array, hash: HashAlgorithm): Promise<Uint8Array>;
}

/** A built TimeStampReq. */
export interface TimestampRequest {
  readonly der: Uint8Array;
  readonly hash: HashAlgorithm;
  readonly hashedMessage: Uint8Array;
  /** Nonce as unsigned big-endian bytes. */
  readonly nonce: Uint8Array;
  readonly policy?: string;
}

const ID_CT_TSTINFO = '1.2.840.113549.1.9.16.1.4';
const ID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const ATTR_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const ATTR_SIGNING_CERT_V2 = '1.2.840.113549.1.9.16.2.47';
const ETSI_BASELINE_POLICY = '0.4.0.2023.1.1';

function nodeHash(hash: HashAlgorithm): 'sha256' | 'sha384' | 'sha512' {
  return hash === 'SHA-256' ? 'sha256' : hash === 'SHA-384' ? 'sha384' : 'sha512';
}

function bad(msg: string, cause?: unknown): never {
  throw new NotaryError(
    'TIMESTAMP_INVALID',
    `timestamp: ${msg}`,
    cause === undefined ? undefined : { cause },
  );
}

function ab(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function stripInt(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('hex')
    .replace(/^0+(?=.)/, '');
}

/**
 * Builds a TimeStampReq (version 1, messageImprint with NULL params, random nonce < 2^159,
 * certReq TRUE).
 *
 * @example const req = createTimestampRequest(signature, 'SHA-256');
 */
export function createTimestampRequest(
  message: Uint8Array,
  hash: HashAlgorithm,
  options: { readonly policy?: string; readonly nonce?: Uint8Array } = {},
): TimestampRequest {
  const hashed = new Uint8Array(createHash(nodeHash(hash)).update(message).digest());
  let nonce = options.nonce ?? new Uint8Array(randomBytes(20));
  if (!options.nonce) nonce[0] = (nonce[0] as number) & 0x7f;
  // DER INTEGERs are minimal: drop leading zero bytes (a random nonce starts with 0x00 one time
  // in 256, and openssl's TSA rejects the non-minimal encoding with status 2).
  let start = 0;
  while (start < nonce.length - 1 && nonce[start] === 0) start++;
  nonce = nonce.subarray(start);
  if (nonce.length === 0) nonce = Uint8Array.of(0);
  // DER INTEGER must be positive: prefix 0x00 when the top bit is set.
  const intBytes = (nonce[0] as number) & 0x80 ? Uint8Array.of(0, ...nonce) : nonce;
  const tsp = asn1Tsp();
  const req = new tsp.TimeStampReq({
    version: 1,
    messageImprint: new tsp.MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({
        algorithm: HASH_OIDS[nodeHash(hash)] as string,
        parameters: null,
      }),
      hashedMessage: new OctetString(hashed),
    }),
    nonce: ab(intBytes),
    certReq: true,
    ...(options.policy ? { reqPolicy: options.policy } : {}),
  });
  return {
    der: new Uint8Array(AsnConvert.serialize(req)),
    hash,
    hashedMessage: hashed,
    nonce,
    ...(options.policy ? { policy: options.policy } : {}),
  };
}

/**
 * Parses a TimeStampResp for `request`: status granted, a token whose TSTInfo echoes the
 * imprint, nonce and policy, and carries a signing certificate. Returns the raw token DER.
 * The token's signature and chain are checked by {@link verifyTimestampToken}.
 *
 * @throws NotaryError `TIMESTAMP_FAILED` | `TIMESTAMP_INVALID`
 */
export function parseTimestampResponse(der: Uint8Array, request: TimestampRequest): Uint8Array {
  const tsp = asn1Tsp();
  let resp: TimeStampResp;
  let tokenDer: Uint8Array;
  try {
    resp = AsnConvert.parse(der, tsp.TimeStampResp);
    const kids = readChildren(readTlv(der, 0, 'TIMESTAMP_INVALID').content, 'TIMESTAMP_INVALID');
    tokenDer = new Uint8Array(kids[1]?.raw ?? new Uint8Array());
  } catch (err) {
    return bad(`response is not a valid TimeStampResp: ${errorMessage(err)}`, err);
  }
  const status = resp.status.status;
  if (status !== tsp.PKIStatus.granted && status !== tsp.PKIStatus.grantedWithMods) {
    const text = resp.status.statusString ? [...resp.status.statusString].join('; ') : '';
    throw new NotaryError(
      'TIMESTAMP_FAILED',
      `timestamp: TSA refused the request (status ${status}${text ? `: ${text}` : ''})`,
    );
  }
  if (tokenDer.length === 0) bad('response has no timeStampToken');
  const info = parseTimestampToken(tokenDer);
  if (info.hashAlgorithm !== HASH_OIDS[nodeHash(request.hash)])
    bad('messageImprint hash algorithm mismatch');
  if (Buffer.compare(info.hashedMessage, request.hashedMessage) !== 0)
    bad('messageImprint mismatch');
  if (info.nonce === undefined || info.nonce !== stripInt(request.nonce)) bad('nonce mismatch');
  if (request.policy && info.policy !== request.policy) bad('policy mismatch');
  if (info.certificates.length === 0) bad('no signing certificate in token (certReq)');
  return tokenDer;
}

/** The decoded content of a TimeStampToken. */
export interface TimestampTokenInfo {
  readonly genTime: Date;
  /** Accuracy in milliseconds (explicit, or 1 s for the ETSI baseline policy, else 0). */
  readonly accuracyMs: number;
  readonly policy: string;
  /** messageImprint hash algorithm OID. */
  readonly hashAlgorithm: string;
  readonly hashedMessage: Uint8Array;
  /** Nonce as lowercase hex (no leading zero bytes). */
  readonly nonce?: string;
  readonly serialNumber: string;
  readonly certificates: readonly Certificate[];
  /** Lower and upper bound of the stamped time. */
  readonly lower: Date;
  readonly upper: Date;
}

interface DecodedToken {
  readonly info: TimestampTokenInfo;
  readonly signed: SignedData;
  readonly eContent: Uint8Array;
  readonly signedAttrs: Uint8Array;
}

function decodeToken(der: Uint8Array): DecodedToken {
  const cms = asn1Cms();
  try {
    const ci = AsnConvert.parse(der, cms.ContentInfo);
    if (ci.contentType !== ID_SIGNED_DATA) bad('token is not CMS SignedData');
    const sd = AsnConvert.parse(ci.content, cms.SignedData);
    if (sd.encapContentInfo.eContentType !== ID_CT_TSTINFO)
      bad('eContentType is not id-ct-TSTInfo');
    const single = sd.encapContentInfo.eContent?.single;
    const eContent = single ? new Uint8Array(single.buffer) : undefined;
    if (!eContent) bad('token has no TSTInfo content');
    const tst = AsnConvert.parse(eContent, asn1Tsp().TSTInfo);
    if (Number(tst.version) !== 1) bad(`TSTInfo version ${String(tst.version)} is not 1`);
    const certificates: Certificate[] = [];
    for (const choice of sd.certificates ?? []) {
      if (choice.certificate)
        certificates.push(
          parseCertificate(new Uint8Array(AsnConvert.serialize(choice.certificate))),
        );
    }
    const si = sd.signerInfos[0];
    if (!si || sd.signerInfos.length !== 1) bad('token must have exactly one SignerInfo');
    // Raw signed attributes: re-tag [0] IMPLICIT as SET OF for the signature input.
    const ciKids = readChildren(readTlv(der, 0, 'TIMESTAMP_INVALID').content, 'TIMESTAMP_INVALID');
    const sdTlv = readTlv(ciKids[1]?.content ?? new Uint8Array(), 0, 'TIMESTAMP_INVALID');
    const sdKids = readChildren(sdTlv.content, 'TIMESTAMP_INVALID');
    const siSet = sdKids[sdKids.length - 1];
    const siKids = readChildren(
      readTlv(siSet?.content ?? new Uint8Array(), 0, 'TIMESTAMP_INVALID').content,
      'TIMESTAMP_INVALID',
    );
    const attrs = siKids.find((k) => k.tag === 0xa0);
    if (!attrs) bad('SignerInfo has no signed attributes');
    const signedAttrs = new Uint8Array(attrs.raw);
    signedAttrs[0] = 0x31;
    const acc = tst.accuracy;
    let accuracyMs = 0;
    if (acc) accuracyMs = (acc.seconds ?? 0) * 1000 + (acc.millis ?? 0) + (acc.micros ?? 0) / 1000;
    else if (tst.policy === ETSI_BASELINE_POLICY) accuracyMs = 1000;
    const gen = tst.genTime.getTime();
    return {
      info: {
        genTime: tst.genTime,
        accuracyMs,
        policy: tst.policy,
        hashAlgorithm: tst.messageImprint.hashAlgorithm.algorithm,
        hashedMessage: new Uint8Array(tst.messageImprint.hashedMessage.buffer),
        ...(tst.nonce ? { nonce: stripInt(new Uint8Array(tst.nonce)) } : {}),
        serialNumber: stripInt(new Uint8Array(tst.serialNumber)),
        certificates,
        lower: new Date(gen - accuracyMs),
        upper: new Date(gen + accuracyMs),
      },
      signed: sd,
      eContent,
      signedAttrs,
    };
  } catch (err) {
    if (err instanceof NotaryError) {
      if (err.code === 'TIMESTAMP_INVALID') throw err;
      bad(err.message, err);
    }
    return bad(`token is malformed: ${errorMessage(err)}`, err);
  }
}

/**
 * Decodes a TimeStampToken without verifying it (for inspect output).
 *
 * @throws NotaryError `TIMESTAMP_INVALID`
 */
export function parseTimestampToken(der: Uint8Array): TimestampTokenInfo {
  return decodeToken(der).info;
}

/** Options for {@link verifyTimestampToken}. */
export interface VerifyTimestampOptions {
  /** The stamped bytes (the primitive signature). */
  readonly message: Uint8Array;
  /** Trusted TSA roots (PEM/DER bytes or parsed), from `tsa:` stores. */
  readonly roots: readonly (Uint8Array | Certificate)[];
}

/** A verified timestamp. */
export interface VerifiedTimestamp extends TimestampTokenInfo {
  /** TSA chain, signer first, ending in a trusted root. */
  readonly chain: readonly Certificate[];
}

function buildPath(
  cert: Certificate,
  pool: readonly Certificate[],
  roots: readonly Certificate[],
  used: Set<string>,
): Certificate[] | undefined {
  if (roots.some((r) => r.sha256Fingerprint === cert.sha256Fingerprint)) return [cert];
  if (used.size > 8 || isSelfSigned(cert)) return undefined;
  for (const parent of [...roots, ...pool]) {
    if (used.has(parent.sha256Fingerprint) || !isIssuedBy(cert, parent)) continue;
    used.add(parent.sha256Fingerprint);
    const rest = buildPath(parent, pool, roots, used);
    used.delete(parent.sha256Fingerprint);
    if (rest) return [cert, ...rest];
  }
  return undefined;
}

function findSignerCert(d: DecodedToken): Certificate {
  const si = d.signed.signerInfos[0];
  if (!si) bad('no SignerInfo');
  const attr = si.signedAttrs?.find((a) => a.attrType === ATTR_SIGNING_CERT_V2);
  const value = attr?.attrValues[0];
  if (!value) bad('signing-certificate-v2 (ESSCertIDv2) attribute is required');
  const certs = readChildren(
    readTlv(new Uint8Array(value), 0, 'TIMESTAMP_INVALID').content,
    'TIMESTAMP_INVALID',
  );
  const first = readChildren(certs[0]?.content ?? new Uint8Array(), 'TIMESTAMP_INVALID')[0];
  if (!first) bad('ESSCertIDv2 list is empty');
  const fields = readChildren(first.content, 'TIMESTAMP_INVALID');
  let hashName = 'sha256';
  let i = 0;
  if (fields[0]?.tag === 0x30) {
    const oid = readTlv(fields[0].content, 0, 'TIMESTAMP_INVALID');
    hashName = DIGEST_OIDS[decodeOid(oid.content)] ?? '';
    i = 1;
  }
  const certHash = fields[i];
  if (!hashName || certHash?.tag !== 0x04) bad('ESSCertIDv2 is malformed');
  const match = d.info.certificates.find(
    (c) => Buffer.compare(createHash(hashName).update(c.der).digest(), certHash.content) === 0,
  );
  if (!match) bad('no certificate in the token matches ESSCertIDv2');
  const sid = si.sid.issuerAndSerialNumber;
  if (sid && stripInt(new Uint8Array(sid.serialNumber)) !== match.serialNumber) {
    bad('SignerInfo issuerAndSerialNumber does not match the ESSCertIDv2 certificate');
  }
  return match;
}

/**
 * Verifies a TimeStampToken: CMS signature over the signed attributes (content-type and
 * message-digest checked), ESSCertIDv2 binding, TSA chain to a trusted root valid at genTime
 * with the timestamping certificate rules, and the messageImprint over `message`.
 *
 * @throws NotaryError `TIMESTAMP_INVALID`
 */
export function verifyTimestampToken(
  token: Uint8Array,
  options: VerifyTimestampOptions,
): VerifiedTimestamp {
  const d = decodeToken(token);
  const si = d.signed.signerInfos[0];
  if (!si) bad('no SignerInfo');
  if (Number(si.version) !== 1) bad(`SignerInfo version ${String(si.version)} is not 1`);
  const imprintHash = DIGEST_OIDS[d.info.hashAlgorithm];
  if (!imprintHash || imprintHash === 'sha1') bad('unsupported messageImprint hash algorithm');
  const expected = createHash(imprintHash).update(options.message).digest();
  if (Buffer.compare(expected, d.info.hashedMessage) !== 0)
    bad('mismatched message (messageImprint does not match the signature)');
  const attrs = si.signedAttrs ?? [];
  const ct = attrs.find((a) => a.attrType === ATTR_CONTENT_TYPE)?.attrValues[0];
  if (
    !ct ||
    decodeOid(readTlv(new Uint8Array(ct), 0, 'TIMESTAMP_INVALID').content) !== ID_CT_TSTINFO
  ) {
    bad('content-type signed attribute must be id-ct-TSTInfo');
  }
  const md = attrs.find((a) => a.attrType === ATTR_MESSAGE_DIGEST)?.attrValues[0];
  const digestHash = DIGEST_OIDS[si.digestAlgorithm.algorithm];
  if (!md || !digestHash) bad('message-digest signed attribute is missing');
  const mdValue = readTlv(new Uint8Array(md), 0, 'TIMESTAMP_INVALID').content;
  if (Buffer.compare(createHash(digestHash).update(d.eContent).digest(), mdValue) !== 0) {
    bad('message-digest does not match the TSTInfo');
  }
  const signer = findSignerCert(d);
  if (
    !verifyAsnSignature(
      si.signatureAlgorithm,
      d.signedAttrs,
      new Uint8Array(si.signature.buffer),
      signer.publicKey,
      si.digestAlgorithm.algorithm,
    )
  ) {
    bad('CMS signature of the timestamp token is invalid');
  }
  const roots = options.roots.flatMap((r) =>
    r instanceof Uint8Array ? parseCertificates(r) : [r],
  );
  if (roots.length === 0) bad('no trusted TSA root certificates');
  const path = buildPath(signer, d.info.certificates, roots, new Set([signer.sha256Fingerprint]));
  if (!path) bad(`TSA certificate "${signer.subject}" does not chain to a trusted TSA root`);
  try {
    validateCertificateChain(path, 'timeStamping');
  } catch (err) {
    bad(`TSA chain: ${errorMessage(err)}`, err);
  }
  const invalid = findInvalidAt(path, d.info.genTime);
  if (invalid)
    bad(
      `TSA certificate "${invalid.subject}" is not valid at the timestamp time ${d.info.genTime.toISOString()}`,
    );
  return { ...d.info, chain: path };
}
