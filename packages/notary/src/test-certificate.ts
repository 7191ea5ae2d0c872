/**
 * `cert generate-test`: an RSA key and a self-signed code-signing certificate shaped like the one
 * notation generates (subject `C=US,ST=WA,L=Seattle,O=Notary,CN=<name>`, critical keyUsage
 * digitalSignature, extendedKeyUsage codeSigning, no basicConstraints, sha256WithRSAEncryption,
 * valid for 24 hours). Built with @peculiar/asn1-x509 (already this package's X.509 parser) and
 * node:crypto, since node cannot create certificates itself.
 * @module
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { AttributeValue, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { asn1Schema, asn1X509 } from './asn1.js';
import { NotaryError } from './errors.js';

const { AsnConvert, OctetString } = asn1Schema;
const {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  Certificate: AsnCertificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  KeyUsage,
  KeyUsageFlags,
  Name,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
} = asn1X509;

/** A generated key pair and certificate, PEM. */
export interface TestCertificate {
  /** PKCS#8 private key PEM. */
  readonly keyPem: string;
  readonly certPem: string;
  readonly der: Uint8Array;
  readonly notAfter: Date;
}

/** Options of {@link generateTestCertificate}. */
export interface TestCertificateOptions {
  readonly commonName: string;
  /** RSA modulus size: 2048 (default, as notation), 3072 or 4096. */
  readonly bits?: number;
  readonly now?: Date;
}

function rdn(oid: string, value: AttributeValue): RelativeDistinguishedName {
  return new asn1X509.RelativeDistinguishedName([new AttributeTypeAndValue({ type: oid, value })]);
}

/**
 * Generates the key and certificate.
 *
 * @throws NotaryError `INVALID_ARGUMENT` for an unsupported size or an empty name
 * @example const { keyPem, certPem } = generateTestCertificate({ commonName: 'wabbit-networks.io' });
 */
export function generateTestCertificate(options: TestCertificateOptions): TestCertificate {
  const bits = options.bits ?? 2048;
  if (bits !== 2048 && bits !== 3072 && bits !== 4096) {
    throw new NotaryError(
      'INVALID_ARGUMENT',
      `RSA key length ${bits} is not supported (2048, 3072 or 4096)`,
    );
  }
  if (options.commonName.trim() === '') {
    throw new NotaryError('INVALID_ARGUMENT', 'the certificate common name must not be empty');
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const now = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const notAfter = new Date(now.getTime() + 24 * 3600_000);
  const name = new Name([
    rdn('2.5.4.6', new asn1X509.AttributeValue({ printableString: 'US' })),
    rdn('2.5.4.8', new asn1X509.AttributeValue({ printableString: 'WA' })),
    rdn('2.5.4.7', new asn1X509.AttributeValue({ printableString: 'Seattle' })),
    rdn('2.5.4.10', new asn1X509.AttributeValue({ printableString: 'Notary' })),
    rdn('2.5.4.3', new asn1X509.AttributeValue({ utf8String: options.commonName })),
  ]);
  const alg = new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11', parameters: null });
  const serial = randomBytes(16);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01;
  const tbs = new TBSCertificate({
    version: 2,
    serialNumber: new Uint8Array(serial).buffer,
    signature: alg,
    issuer: name,
    validity: new Validity({ notBefore: now, notAfter }),
    subject: name,
    subjectPublicKeyInfo: AsnConvert.parse(
      publicKey.export({ type: 'spki', format: 'der' }),
      SubjectPublicKeyInfo,
    ),
    extensions: new Extensions([
      new Extension({
        extnID: '2.5.29.15',
        critical: true,
        extnValue: new OctetString(
          AsnConvert.serialize(new KeyUsage(KeyUsageFlags.digitalSignature)),
        ),
      }),
      new Extension({
        extnID: '2.5.29.37',
        critical: false,
        extnValue: new OctetString(
          AsnConvert.serialize(new ExtendedKeyUsage(['1.3.6.1.5.5.7.3.3'])),
        ),
      }),
    ]),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = sign('sha256', tbsDer, privateKey);
  const der = new Uint8Array(
    AsnConvert.serialize(
      new AsnCertificate({
        tbsCertificate: tbs,
        signatureAlgorithm: alg,
        signatureValue: new Uint8Array(signature).buffer,
      }),
    ),
  );
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    der,
    notAfter,
  };
}
