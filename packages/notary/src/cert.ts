import { hash, X509Certificate, type KeyObject } from 'node:crypto';
import type { Name } from '@peculiar/asn1-x509';
import { asn1Schema, asn1X509 } from './asn1.js';
import { NotaryError, errorMessage } from './errors.js';
import { readChildren, readTlv } from './der.js';
import { keySpecOf } from './algorithms.js';

const { AsnConvert } = asn1Schema;
const {
  AuthorityInfoAccessSyntax,
  BasicConstraints,
  Certificate: AsnCertificate,
  CRLDistributionPoints,
  ExtendedKeyUsage,
  KeyUsage,
} = asn1X509;

/** Key usage bits (RFC 5280 order, as flags). */
export const KU = {
  digitalSignature: 1,
  nonRepudiation: 2,
  keyEncipherment: 4,
  dataEncipherment: 8,
  keyAgreement: 16,
  keyCertSign: 32,
  cRLSign: 64,
  encipherOnly: 128,
  decipherOnly: 256,
} as const;

/** Extended key usage OIDs. */
export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  any: '2.5.29.37.0',
} as const;

/** A parsed X.509 certificate with the fields the Notary rules look at. */
export interface Certificate {
  readonly der: Uint8Array;
  /** Subject DN in Go `pkix.Name.String()` form (`CN=…,O=…,C=…`). */
  readonly subject: string;
  readonly issuer: string;
  /** Raw DER of the subject / issuer Name (compared bytewise for chaining). */
  readonly subjectDer: Uint8Array;
  readonly issuerDer: Uint8Array;
  /** Serial number, lowercase hex without leading zeros. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
  /** OID of the certificate's signature algorithm. */
  readonly signatureAlgorithm: string;
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  readonly keyUsage?: { readonly critical: boolean; readonly flags: number };
  readonly extendedKeyUsage?: { readonly critical: boolean; readonly usages: readonly string[] };
  readonly crlDistributionPoints: readonly string[];
  readonly ocspServers: readonly string[];
  /** Lowercase hex SHA-256 of the DER. */
  readonly sha256Fingerprint: string;
  /** node:crypto view, for signature checks. */
  readonly x509: X509Certificate;
}

const ALLOWED_CERT_SIG_ALGS = new Set([
  '1.2.840.113549.1.1.11',
  '1.2.840.113549.1.1.12',
  '1.2.840.113549.1.1.13',
  '1.2.840.113549.1.1.10',
  '1.2.840.10045.4.3.2',
  '1.2.840.10045.4.3.3',
  '1.2.840.10045.4.3.4',
  '1.3.101.112',
]);

const NAME_TYPES: Readonly<Record<string, string>> = {
  '2.5.4.6': 'C',
  '2.5.4.8': 'ST',
  '2.5.4.7': 'L',
  '2.5.4.9': 'STREET',
  '2.5.4.17': 'POSTALCODE',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
};
// Go's ToRDNSequence order; String() prints it reversed.
const GO_ORDER = ['C', 'ST', 'L', 'STREET', 'POSTALCODE', 'O', 'OU', 'CN', 'SERIALNUMBER'];

function escapeDnValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i] as string;
    if (',+"\\<>;'.includes(ch) || (i === 0 && (ch === ' ' || ch === '#'))) out += `\\${ch}`;
    else if (i === v.length - 1 && ch === ' ') out += '\\ ';
    else out += ch;
  }
  return out;
}

/** Formats a Name like Go's `pkix.Name.String()`. */
export function formatName(name: Name): string {
  const known = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const rdn of name) {
    for (const atv of rdn) {
      const short = NAME_TYPES[atv.type];
      if (short) {
        const list = known.get(short) ?? [];
        list.push(atv.value.toString());
        known.set(short, list);
      } else {
        const hex = Buffer.from(AsnConvert.serialize(atv.value)).toString('hex');
        unknown.push(`${atv.type}=#${hex}`);
      }
    }
  }
  const rdns: string[] = [...unknown];
  for (const t of GO_ORDER) {
    const values = known.get(t);
    if (values) rdns.push(values.map((v) => `${t}=${escapeDnValue(v)}`).join('+'));
  }
  return rdns.reverse().join(',');
}

/**
 * Parses one DER certificate.
 *
 * @throws NotaryError `CERT_INVALID`
 */
export function parseCertificate(der: Uint8Array): Certificate {
  // One-shot hash: no Hash object per certificate (3 per verification).
  const key = hash('sha256', der, 'hex');
  const cached = PARSED.get(key);
  if (cached) {
    touch(PARSED, key, cached);
    return cached;
  }
  const cert = parseCertificateUncached(der, key);
  remember(PARSED, key, cert);
  return cert;
}

/**
 * Process-wide caches, keyed by content (SHA-256 of the DER, or the purpose plus the ordered
 * fingerprints of a chain), never by name: a parse result and a chain's time-free validity
 * depend only on those bytes, so no trust store or policy change can make an entry wrong.
 * Both are LRU-bounded at {@link CERT_CACHE_LIMIT} entries. Trust decisions (store contents,
 * identities, validity times, revocation) are never cached here.
 */
export const CERT_CACHE_LIMIT = 512;
const PARSED = new Map<string, Certificate>();
const VALID_CHAINS = new Map<string, true>();

/** Marks `key` most recently used (Map iteration order is insertion order). */
function touch<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= CERT_CACHE_LIMIT && !map.has(key)) {
    const first = map.keys().next();
    if (!first.done) map.delete(first.value);
  }
  map.set(key, value);
}

/** Sizes of the content-keyed caches (tests and diagnostics). */
export function certificateCacheSizes(): { parsed: number; validChains: number } {
  return { parsed: PARSED.size, validChains: VALID_CHAINS.size };
}

function parseCertificateUncached(der: Uint8Array, fingerprint: string): Certificate {
  try {
    const asn = AsnConvert.parse(der, AsnCertificate);
    const x509 = new X509Certificate(der);
    const tbs = readTlv(readTlv(der, 0).content, 0);
    const fields = readChildren(tbs.content);
    const off = fields[0]?.tag === 0xa0 ? 1 : 0;
    const issuerTlv = fields[off + 2];
    const subjectTlv = fields[off + 4];
    if (!issuerTlv || !subjectTlv)
      throw new NotaryError('CERT_INVALID', 'truncated TBSCertificate');
    const t = asn.tbsCertificate;
    let basicConstraints: Certificate['basicConstraints'];
    let keyUsage: Certificate['keyUsage'];
    let extendedKeyUsage: Certificate['extendedKeyUsage'];
    const crl: string[] = [];
    const ocsp: string[] = [];
    const seen = new Set<string>();
    for (const ext of t.extensions ?? []) {
      if (seen.has(ext.extnID))
        throw new NotaryError('CERT_INVALID', `duplicate extension ${ext.extnID}`);
      seen.add(ext.extnID);
      const value = ext.extnValue.buffer;
      switch (ext.extnID) {
        case '2.5.29.19': {
          const bc = AsnConvert.parse(value, BasicConstraints);
          basicConstraints = {
            ca: bc.cA,
            ...(bc.pathLenConstraint === undefined ? {} : { pathLength: bc.pathLenConstraint }),
          };
          break;
        }
        case '2.5.29.15':
          keyUsage = {
            critical: ext.critical,
            flags: AsnConvert.parse(value, KeyUsage).toNumber(),
          };
          break;
        case '2.5.29.37':
          extendedKeyUsage = {
            critical: ext.critical,
            usages: [...AsnConvert.parse(value, ExtendedKeyUsage)],
          };
          break;
        case '2.5.29.31':
          for (const dp of AsnConvert.parse(value, CRLDistributionPoints)) {
            for (const gn of dp.distributionPoint?.fullName ?? []) {
              if (gn.uniformResourceIdentifier) crl.push(gn.uniformResourceIdentifier);
            }
          }
          break;
        case '1.3.6.1.5.5.7.1.1':
          for (const ad of AsnConvert.parse(value, AuthorityInfoAccessSyntax)) {
            const uri = ad.accessLocation.uniformResourceIdentifier;
            if (ad.accessMethod === '1.3.6.1.5.5.7.48.1' && uri) ocsp.push(uri);
          }
          break;
        default:
          break;
      }
    }
    const serial = Buffer.from(t.serialNumber)
      .toString('hex')
      .replace(/^0+(?=.)/, '');
    return {
      der: new Uint8Array(der),
      subject: formatName(t.subject),
      issuer: formatName(t.issuer),
      subjectDer: new Uint8Array(subjectTlv.raw),
      issuerDer: new Uint8Array(issuerTlv.raw),
      serialNumber: serial,
      notBefore: t.validity.notBefore.getTime(),
      notAfter: t.validity.notAfter.getTime(),
      publicKey: x509.publicKey,
      signatureAlgorithm: asn.signatureAlgorithm.algorithm,
      ...(basicConstraints ? { basicConstraints } : {}),
      ...(keyUsage ? { keyUsage } : {}),
      ...(extendedKeyUsage ? { extendedKeyUsage } : {}),
      crlDistributionPoints: crl,
      ocspServers: ocsp,
      sha256Fingerprint: fingerprint,
      x509,
    };
  } catch (err) {
    if (err instanceof NotaryError) throw err;
    throw new NotaryError('CERT_INVALID', `certificate parse failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/**
 * Parses certificates from PEM text (any number of `CERTIFICATE` blocks) or one DER blob.
 *
 * @throws NotaryError `CERT_INVALID`
 */
export function parseCertificates(data: Uint8Array | string): Certificate[] {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  if (text.includes('-----BEGIN')) {
    const blocks = [
      ...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g),
    ];
    if (blocks.length === 0)
      throw new NotaryError('CERT_INVALID', 'no CERTIFICATE PEM block found');
    return blocks.map((m) =>
      parseCertificate(new Uint8Array(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'))),
    );
  }
  if (typeof data === 'string') throw new NotaryError('CERT_INVALID', 'not a PEM certificate');
  return [parseCertificate(data)];
}

/** Encodes a certificate as PEM. */
export function toPem(cert: Certificate | Uint8Array): string {
  const der = cert instanceof Uint8Array ? cert : cert.der;
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** True when `child` names `parent` as issuer and `parent`'s key verifies its signature. */
export function isIssuedBy(child: Certificate, parent: Certificate): boolean {
  if (!sameBytes(child.issuerDer, parent.subjectDer)) return false;
  try {
    return child.x509.verify(parent.publicKey);
  } catch {
    return false;
  }
}

/** Self-signed = issuer equals subject AND the cert's own key verifies its signature. */
export function isSelfSigned(cert: Certificate): boolean {
  return isIssuedBy(cert, cert);
}

/** Which rules a chain is judged by. */
export type ChainPurpose = 'codeSigning' | 'timeStamping';

function fail(msg: string): never {
  throw new NotaryError('CERT_CHAIN_INVALID', msg);
}

function checkCommon(cert: Certificate): void {
  if (!ALLOWED_CERT_SIG_ALGS.has(cert.signatureAlgorithm)) {
    fail(
      `certificate "${cert.subject}" is signed with unsupported or weak algorithm ${cert.signatureAlgorithm}`,
    );
  }
}

function checkCa(cert: Certificate, caBelow: number): void {
  const bc = cert.basicConstraints;
  if (!bc?.ca) fail(`certificate "${cert.subject}" is not a CA (basicConstraints cA is not true)`);
  if (bc.pathLength !== undefined && bc.pathLength < caBelow) {
    fail(
      `certificate "${cert.subject}" path length ${bc.pathLength} is exceeded (${caBelow} CA below)`,
    );
  }
  const ku = cert.keyUsage;
  if (!ku) fail(`CA certificate "${cert.subject}" has no key usage extension`);
  if (!ku.critical) fail(`CA certificate "${cert.subject}" key usage extension is not critical`);
  if (!(ku.flags & KU.keyCertSign))
    fail(`CA certificate "${cert.subject}" key usage lacks keyCertSign`);
  try {
    keySpecOf(cert.publicKey);
  } catch (err) {
    if (
      cert.publicKey.asymmetricKeyType !== 'rsa' ||
      (cert.publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048
    ) {
      fail(`CA certificate "${cert.subject}": ${errorMessage(err)}`);
    }
  }
}

const FORBIDDEN_LEAF_KU =
  KU.keyEncipherment |
  KU.dataEncipherment |
  KU.keyAgreement |
  KU.keyCertSign |
  KU.cRLSign |
  KU.encipherOnly |
  KU.decipherOnly;

function checkCodeSigningLeaf(cert: Certificate): void {
  if (cert.basicConstraints?.ca) fail(`signing certificate "${cert.subject}" must not be a CA`);
  const ku = cert.keyUsage;
  if (!ku) fail(`signing certificate "${cert.subject}" has no key usage extension`);
  if (!ku.critical)
    fail(`signing certificate "${cert.subject}" key usage extension is not critical`);
  if (!(ku.flags & KU.digitalSignature)) {
    fail(`signing certificate "${cert.subject}" key usage lacks digitalSignature`);
  }
  if (ku.flags & FORBIDDEN_LEAF_KU) {
    fail(
      `signing certificate "${cert.subject}" key usage has a usage other than digitalSignature/nonRepudiation`,
    );
  }
  const eku = cert.extendedKeyUsage;
  if (eku) {
    const bad = [
      EKU.serverAuth,
      EKU.clientAuth,
      EKU.emailProtection,
      EKU.timeStamping,
      EKU.ocspSigning,
    ];
    for (const u of eku.usages) {
      if (bad.includes(u as (typeof bad)[number])) {
        fail(
          `signing certificate "${cert.subject}" extended key usage ${u} is not allowed (codeSigning required)`,
        );
      }
    }
  }
  try {
    keySpecOf(cert.publicKey);
  } catch (err) {
    fail(`signing certificate "${cert.subject}": ${errorMessage(err)}`);
  }
}

function checkTimeStampingLeaf(cert: Certificate): void {
  if (cert.basicConstraints?.ca)
    fail(`timestamping certificate "${cert.subject}" must not be a CA`);
  const eku = cert.extendedKeyUsage;
  if (!eku || eku.usages.length !== 1 || eku.usages[0] !== EKU.timeStamping) {
    fail(
      `timestamping certificate "${cert.subject}" extended key usage must be exactly timeStamping`,
    );
  }
  if (!eku.critical)
    fail(`timestamping certificate "${cert.subject}" extended key usage is not critical`);
  const ku = cert.keyUsage;
  if (!ku || !(ku.flags & KU.digitalSignature)) {
    fail(`timestamping certificate "${cert.subject}" key usage lacks digitalSignature`);
  }
}

/**
 * Checks a chain ordered leaf→…→root against the Notary certificate requirements
 * (notary.md §3.1/§3.3): linkage by issuer bytes and signature, a self-signed root,
 * no self-signed cert inside, leaf and CA extension rules. Time is not checked here.
 *
 * @throws NotaryError `CERT_CHAIN_INVALID`
 */
export function validateCertificateChain(
  chain: readonly Certificate[],
  purpose: ChainPurpose = 'codeSigning',
): void {
  const leaf = chain[0];
  if (!leaf) fail('certificate chain is empty');
  const cacheKey = `${purpose}:${chain.map((c) => c.sha256Fingerprint).join(',')}`;
  if (VALID_CHAINS.has(cacheKey)) {
    touch(VALID_CHAINS, cacheKey, true);
    return;
  }
  for (const c of chain) checkCommon(c);
  if (chain.length === 1) {
    if (!isSelfSigned(leaf)) {
      fail(
        `certificate chain must end in a self-signed root; "${leaf.subject}" is not self-signed`,
      );
    }
  } else {
    for (let i = 0; i < chain.length - 1; i++) {
      const child = chain[i] as Certificate;
      const parent = chain[i + 1] as Certificate;
      if (isSelfSigned(child)) {
        fail(`certificate "${child.subject}" is self-signed but is not the last in the chain`);
      }
      if (!isIssuedBy(child, parent)) {
        fail(
          `certificate "${child.subject}" is not issued by "${parent.subject}" (invalid chain order or signature)`,
        );
      }
    }
    const root = chain[chain.length - 1] as Certificate;
    if (!isSelfSigned(root)) fail(`root certificate "${root.subject}" is not self-signed`);
    for (let i = 1; i < chain.length; i++) checkCa(chain[i] as Certificate, i - 1);
  }
  if (purpose === 'codeSigning') checkCodeSigningLeaf(leaf);
  else checkTimeStampingLeaf(leaf);
  remember(VALID_CHAINS, cacheKey, true);
}

/** The first cert not valid at `at` (inclusive bounds), or undefined. */
export function findInvalidAt(chain: readonly Certificate[], at: Date): Certificate | undefined {
  const t = at.getTime();
  return chain.find((c) => t < c.notBefore.getTime() || t > c.notAfter.getTime());
}
