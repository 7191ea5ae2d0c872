import { createHash } from 'node:crypto';
import type { BasicOCSPResponse, CertID } from '@peculiar/asn1-ocsp';
import type { OctetString } from '@peculiar/asn1-schema';
import type { CertificateList } from '@peculiar/asn1-x509';
import { asn1Ocsp, asn1Schema, asn1X509 } from './asn1.js';
import { verifyAsnSignature } from './asn-signature.js';
import { EKU, isIssuedBy, parseCertificate, type Certificate } from './cert.js';
import { readChildren, readTlv } from './der.js';
import { NotaryError, errorMessage } from './errors.js';

const { AsnConvert } = asn1Schema;
const { AlgorithmIdentifier, Certificate: AsnCertificate, CRLReason, InvalidityDate } = asn1X509;

/** Per-certificate revocation outcome. */
export type RevocationStatus = 'good' | 'revoked' | 'unknown' | 'nonRevocable';

/** Result for one certificate of a chain. */
export interface CertificateRevocationResult {
  readonly subject: string;
  readonly status: RevocationStatus;
  readonly source?: 'ocsp' | 'crl';
  /** Why the status is unknown (fetch or validation error), without secrets. */
  readonly reason?: string;
}

/** Time inputs of a revocation check. */
export interface RevocationCheckOptions {
  readonly now: Date;
  /** Authentic signing time (SA scheme): revocations with a later invalidity date are ignored. */
  readonly signingTime?: Date;
}

/** Checks a chain (leaf first); the root is always non-revocable. */
export interface RevocationChecker {
  checkChain(
    chain: readonly Certificate[],
    options: RevocationCheckOptions,
  ): Promise<readonly CertificateRevocationResult[]>;
}

/** Transport for revocation data (HTTP + cache live behind this). */
export interface RevocationFetcher {
  /** GETs a CRL (DER) from an http:// URL. */
  fetchCrl?(url: string): Promise<Uint8Array>;
  /** Sends a DER OCSPRequest to an http:// responder and returns the DER OCSPResponse. */
  fetchOcsp?(url: string, request: Uint8Array): Promise<Uint8Array>;
}

function invalid(msg: string): never {
  throw new NotaryError('REVOCATION_INVALID', msg);
}

const KNOWN_CRL_EXT = new Set(['2.5.29.20', '2.5.29.35', '2.5.29.28', '2.5.29.46']);
const KNOWN_ENTRY_EXT = new Set(['2.5.29.21', '2.5.29.24']);

/**
 * Checks `cert` against a DER CRL issued by `issuer`: signature, issuer name, nextUpdate
 * present and not past, no unknown critical extensions, delta CRLs refused as base.
 * certificateHold counts as revoked; an invalidity date after `signingTime` does not.
 *
 * @throws NotaryError `REVOCATION_INVALID` when the CRL cannot be trusted
 */
export function checkCrl(
  crlDer: Uint8Array,
  cert: Certificate,
  issuer: Certificate,
  options: RevocationCheckOptions,
): 'good' | 'revoked' {
  let crl: CertificateList;
  let tbsRaw: Uint8Array;
  let issuerRaw: Uint8Array;
  try {
    crl = AsnConvert.parse(crlDer, asn1X509.CertificateList);
    const top = readChildren(
      readTlv(crlDer, 0, 'REVOCATION_INVALID').content,
      'REVOCATION_INVALID',
    );
    const first = top[0] ?? invalid('CRL has no TBSCertList');
    tbsRaw = first.raw;
    const tbs = readChildren(first.content, 'REVOCATION_INVALID');
    const off = tbs[0]?.tag === 0x02 ? 1 : 0;
    issuerRaw = tbs[off + 1]?.raw ?? invalid('CRL has no issuer');
  } catch (err) {
    if (err instanceof NotaryError) throw err;
    return invalid(`CRL is malformed: ${errorMessage(err)}`);
  }
  if (Buffer.compare(issuerRaw, issuer.subjectDer) !== 0)
    invalid('CRL issuer does not match the certificate issuer');
  const sig = new Uint8Array(crl.signature);
  if (!verifyAsnSignature(crl.signatureAlgorithm, tbsRaw, sig, issuer.publicKey))
    invalid('CRL signature is invalid');
  const t = crl.tbsCertList;
  const next = t.nextUpdate?.getTime();
  if (!next) invalid('CRL has no nextUpdate');
  if (options.now.getTime() > next.getTime()) invalid(`CRL expired at ${next.toISOString()}`);
  for (const ext of t.crlExtensions ?? []) {
    if (ext.extnID === '2.5.29.27') invalid('delta CRL cannot be used as a base CRL');
    if (ext.critical && !KNOWN_CRL_EXT.has(ext.extnID))
      invalid(`CRL has unknown critical extension ${ext.extnID}`);
  }
  const serial = cert.serialNumber;
  for (const entry of t.revokedCertificates ?? []) {
    const s = Buffer.from(entry.userCertificate)
      .toString('hex')
      .replace(/^0+(?=.)/, '');
    if (s !== serial) continue;
    let invalidity: Date | undefined;
    for (const ext of entry.crlEntryExtensions ?? []) {
      if (ext.critical && !KNOWN_ENTRY_EXT.has(ext.extnID))
        invalid(`CRL entry has unknown critical extension ${ext.extnID}`);
      if (ext.extnID === '2.5.29.24')
        invalidity = AsnConvert.parse(ext.extnValue.buffer, InvalidityDate).value;
      if (
        ext.extnID === '2.5.29.21' &&
        Number(AsnConvert.parse(ext.extnValue.buffer, CRLReason).reason) === 8
      )
        return 'good';
    }
    if (invalidity && options.signingTime && invalidity.getTime() > options.signingTime.getTime())
      return 'good';
    return 'revoked';
  }
  return 'good';
}

function certId(cert: Certificate, issuer: Certificate): CertID {
  const spki = AsnConvert.parse(issuer.der, AsnCertificate).tbsCertificate.subjectPublicKeyInfo
    .subjectPublicKey;
  const sha1 = (b: Uint8Array | ArrayBuffer): OctetString =>
    new asn1Schema.OctetString(createHash('sha1').update(new Uint8Array(b)).digest());
  return new (asn1Ocsp().CertID)({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: '1.3.14.3.2.26', parameters: null }),
    issuerNameHash: sha1(issuer.subjectDer),
    issuerKeyHash: sha1(spki),
    serialNumber: new Uint8Array(
      Buffer.from(
        cert.serialNumber.length % 2 ? `0${cert.serialNumber}` : cert.serialNumber,
        'hex',
      ),
    ).buffer,
  });
}

/** Builds a DER OCSPRequest for `cert` (CertID hashed with SHA-1, as notation does). */
export function createOcspRequest(cert: Certificate, issuer: Certificate): Uint8Array {
  const ocsp = asn1Ocsp();
  const req = new ocsp.OCSPRequest({
    tbsRequest: new ocsp.TBSRequest({
      requestList: [new ocsp.Request({ reqCert: certId(cert, issuer) })],
    }),
  });
  return new Uint8Array(AsnConvert.serialize(req));
}

/**
 * Checks a DER OCSPResponse for `cert`: successful status, signature by the issuer or an
 * issuer-delegated OCSPSigning responder, matching CertID, not expired.
 *
 * @throws NotaryError `REVOCATION_INVALID`
 */
export function checkOcspResponse(
  der: Uint8Array,
  cert: Certificate,
  issuer: Certificate,
  options: RevocationCheckOptions,
): 'good' | 'revoked' | 'unknown' {
  const ocsp = asn1Ocsp();
  let basic: BasicOCSPResponse;
  let basicDer: Uint8Array;
  try {
    const resp = AsnConvert.parse(der, ocsp.OCSPResponse);
    if (resp.responseStatus !== ocsp.OCSPResponseStatus.successful)
      invalid(`OCSP responder returned status ${resp.responseStatus}`);
    if (resp.responseBytes?.responseType !== '1.3.6.1.5.5.7.48.1.1')
      invalid('OCSP response is not a basic response');
    basicDer = new Uint8Array(resp.responseBytes.response.buffer);
    basic = AsnConvert.parse(basicDer, ocsp.BasicOCSPResponse);
  } catch (err) {
    if (err instanceof NotaryError) throw err;
    return invalid(`OCSP response is malformed: ${errorMessage(err)}`);
  }
  const parts = readChildren(
    readTlv(basicDer, 0, 'REVOCATION_INVALID').content,
    'REVOCATION_INVALID',
  );
  const tbs = parts[0]?.raw ?? invalid('OCSP response has no tbsResponseData');
  const sigBits = parts[2]?.content ?? invalid('OCSP response has no signature');
  const signature = sigBits.subarray(1);
  const candidates = [
    issuer,
    ...(basic.certs ?? []).map((c) => parseCertificate(new Uint8Array(AsnConvert.serialize(c)))),
  ];
  const signer = candidates.find(
    (c) =>
      verifyAsnSignature(basic.signatureAlgorithm, tbs, signature, c.publicKey) &&
      (c === issuer ||
        (isIssuedBy(c, issuer) && (c.extendedKeyUsage?.usages.includes(EKU.ocspSigning) ?? false))),
  );
  if (!signer) invalid('OCSP response signature is invalid or not authorized by the issuer');
  const want = certId(cert, issuer);
  const hex = (b: ArrayBuffer): string =>
    Buffer.from(b)
      .toString('hex')
      .replace(/^0+(?=.)/, '');
  const single = basic.tbsResponseData.responses.find(
    (r) =>
      hex(r.certID.serialNumber) === cert.serialNumber &&
      Buffer.compare(
        new Uint8Array(r.certID.issuerKeyHash.buffer),
        new Uint8Array(want.issuerKeyHash.buffer),
      ) === 0,
  );
  if (!single) invalid('OCSP response does not cover the certificate');
  const now = options.now.getTime();
  if (single.nextUpdate && now > single.nextUpdate.getTime()) invalid('OCSP response is expired');
  if (single.thisUpdate.getTime() > now + 5 * 60_000) invalid('OCSP response is from the future');
  if (single.certStatus.revoked) {
    const t = single.certStatus.revoked.revocationTime;
    if (options.signingTime && t.getTime() > options.signingTime.getTime()) return 'good';
    return 'revoked';
  }
  if (single.certStatus.unknown !== undefined) return 'unknown';
  return 'good';
}

/**
 * The Notary revocation algorithm: per cert except the root, OCSP first (if the cert has OCSP
 * URLs), falling back to CRL when OCSP is unknown; CRL only when no OCSP; neither ⇒
 * non-revocable. Only http:// URLs are used. Fetch errors make the status unknown.
 */
export function createRevocationChecker(fetcher: RevocationFetcher = {}): RevocationChecker {
  return {
    async checkChain(chain, options) {
      const out: CertificateRevocationResult[] = [];
      for (let i = 0; i < chain.length; i++) {
        const cert = chain[i] as Certificate;
        const issuer = chain[i + 1];
        if (!issuer) {
          out.push({ subject: cert.subject, status: 'nonRevocable' });
          continue;
        }
        const ocsp = cert.ocspServers.filter((u) => u.startsWith('http://'));
        const crls = cert.crlDistributionPoints.filter((u) => u.startsWith('http://'));
        if (cert.ocspServers.length === 0 && cert.crlDistributionPoints.length === 0) {
          out.push({ subject: cert.subject, status: 'nonRevocable' });
          continue;
        }
        const reasons: string[] = [];
        let result: CertificateRevocationResult | undefined;
        for (const url of ocsp) {
          if (!fetcher.fetchOcsp) {
            reasons.push('OCSP fetching is not configured');
            break;
          }
          try {
            const status = checkOcspResponse(
              await fetcher.fetchOcsp(url, createOcspRequest(cert, issuer)),
              cert,
              issuer,
              options,
            );
            if (status !== 'unknown') {
              result = { subject: cert.subject, status, source: 'ocsp' };
              break;
            }
            reasons.push(`OCSP ${url}: status unknown`);
          } catch (err) {
            reasons.push(`OCSP ${url}: ${errorMessage(err)}`);
          }
        }
        if (!result && crls.length > 0) {
          let anyRevoked = false;
          let allGood = true;
          for (const url of crls) {
            try {
              if (!fetcher.fetchCrl)
                throw new NotaryError('REVOCATION_UNKNOWN', 'CRL fetching is not configured');
              if (checkCrl(await fetcher.fetchCrl(url), cert, issuer, options) === 'revoked')
                anyRevoked = true;
            } catch (err) {
              allGood = false;
              reasons.push(`CRL ${url}: ${errorMessage(err)}`);
            }
          }
          if (anyRevoked) result = { subject: cert.subject, status: 'revoked', source: 'crl' };
          else if (allGood) result = { subject: cert.subject, status: 'good', source: 'crl' };
        }
        if (!result && ocsp.length === 0 && crls.length === 0)
          reasons.push('only non-http revocation URLs');
        out.push(
          result ?? {
            subject: cert.subject,
            status: 'unknown',
            reason: reasons.join('; ') || 'no usable revocation source',
          },
        );
      }
      return out;
    },
  };
}

/** Folds per-cert results: any revoked ⇒ revoked; all good/non-revocable ⇒ ok; else unknown. */
export function summarizeRevocation(
  results: readonly CertificateRevocationResult[],
  what = 'signing certificate',
): { readonly status: 'ok' | 'revoked' | 'unknown'; readonly message?: string } {
  const revoked = results.find((r) => r.status === 'revoked');
  if (revoked)
    return { status: 'revoked', message: `${what} with subject "${revoked.subject}" is revoked` };
  const unknown = results.find((r) => r.status === 'unknown');
  if (unknown) {
    return {
      status: 'unknown',
      message: `${what} with subject "${unknown.subject}" revocation status is unknown${unknown.reason ? ` (${unknown.reason})` : ''}`,
    };
  }
  return { status: 'ok' };
}
