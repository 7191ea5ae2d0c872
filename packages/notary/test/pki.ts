/** Test PKI: mints certificates with @peculiar/asn1-x509 and node:crypto (no global polyfills). */
import {
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AccessDescription,
  AlgorithmIdentifier,
  AuthorityInfoAccessSyntax,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  CRLDistributionPoints,
  DistributionPoint,
  DistributionPointName,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyUsage,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
} from '@peculiar/asn1-x509';

export type KeyKind =
  'rsa2048' | 'rsa3072' | 'rsa4096' | 'p256' | 'p384' | 'p521' | 'rsa1024' | 'ed25519';

const keyCache = new Map<KeyKind, KeyObject>();

/** Generates a key (cached per kind unless `fresh`); RSA generation is slow on shared CPUs. */
export function newKey(kind: KeyKind, fresh = false): KeyObject {
  const cached = keyCache.get(kind);
  if (cached && !fresh) return cached;
  let key: KeyObject;
  if (kind.startsWith('rsa'))
    key = generateKeyPairSync('rsa', { modulusLength: Number(kind.slice(3)) }).privateKey;
  else if (kind === 'ed25519') key = generateKeyPairSync('ed25519').privateKey;
  else {
    const curve = kind === 'p256' ? 'prime256v1' : kind === 'p384' ? 'secp384r1' : 'secp521r1';
    key = generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
  }
  if (!cached) keyCache.set(kind, key);
  return key;
}

export function dn(text: string): Name {
  return new Name(
    text.split(',').map((part) => {
      const [k, v] = part.split('=') as [string, string];
      const oid = {
        C: '2.5.4.6',
        ST: '2.5.4.8',
        L: '2.5.4.7',
        O: '2.5.4.10',
        OU: '2.5.4.11',
        CN: '2.5.4.3',
      }[k.trim()];
      if (!oid) throw new Error(`bad dn part ${part}`);
      return new RelativeDistinguishedName([
        new AttributeTypeAndValue({
          type: oid,
          value:
            k.trim() === 'C'
              ? new AttributeValue({ printableString: v })
              : new AttributeValue({ utf8String: v }),
        }),
      ]);
    }),
  );
}

export interface MintOptions {
  subject: string;
  key: KeyObject;
  issuer?: { subject: string; key: KeyObject };
  ca?: boolean;
  pathLen?: number;
  keyUsage?: number | null; // null = omit
  keyUsageCritical?: boolean;
  eku?: string[] | null;
  ekuCritical?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  crl?: string;
  ocsp?: string;
  basicConstraints?: boolean;
  sigAlg?: 'sha1' | 'sha256';
}

function sigAlgFor(key: KeyObject, hash: 'sha1' | 'sha256'): AlgorithmIdentifier {
  if (key.asymmetricKeyType === 'rsa') {
    return new AlgorithmIdentifier({
      algorithm: hash === 'sha1' ? '1.2.840.113549.1.1.5' : '1.2.840.113549.1.1.11',
      parameters: null,
    });
  }
  if (key.asymmetricKeyType === 'ed25519')
    return new AlgorithmIdentifier({ algorithm: '1.3.101.112' });
  return new AlgorithmIdentifier({
    algorithm: hash === 'sha1' ? '1.2.840.10045.4.1' : '1.2.840.10045.4.3.2',
  });
}

/** Mints a DER certificate. Defaults: leaf with critical KU digitalSignature and EKU codeSigning. */
export function mint(o: MintOptions): Uint8Array {
  const issuer = o.issuer ?? { subject: o.subject, key: o.key };
  const spki = AsnConvert.parse(
    createPublicKey(o.key).export({ type: 'spki', format: 'der' }),
    SubjectPublicKeyInfo,
  );
  const exts: Extension[] = [];
  if (o.basicConstraints !== false && (o.ca || o.basicConstraints)) {
    exts.push(
      new Extension({
        extnID: '2.5.29.19',
        critical: true,
        extnValue: new OctetString(
          AsnConvert.serialize(
            new BasicConstraints({
              cA: o.ca ?? false,
              ...(o.pathLen !== undefined ? { pathLenConstraint: o.pathLen } : {}),
            }),
          ),
        ),
      }),
    );
  }
  const ku = o.keyUsage === undefined ? (o.ca ? 32 | 64 : 1) : o.keyUsage;
  if (ku !== null) {
    exts.push(
      new Extension({
        extnID: '2.5.29.15',
        critical: o.keyUsageCritical ?? true,
        extnValue: new OctetString(AsnConvert.serialize(new KeyUsage(ku))),
      }),
    );
  }
  const eku = o.eku === undefined ? (o.ca ? null : ['1.3.6.1.5.5.7.3.3']) : o.eku;
  if (eku) {
    exts.push(
      new Extension({
        extnID: '2.5.29.37',
        critical: o.ekuCritical ?? false,
        extnValue: new OctetString(AsnConvert.serialize(new ExtendedKeyUsage(eku))),
      }),
    );
  }
  if (o.crl) {
    exts.push(
      new Extension({
        extnID: '2.5.29.31',
        critical: false,
        extnValue: new OctetString(
          AsnConvert.serialize(
            new CRLDistributionPoints([
              new DistributionPoint({
                distributionPoint: new DistributionPointName({
                  fullName: [new GeneralName({ uniformResourceIdentifier: o.crl })],
                }),
              }),
            ]),
          ),
        ),
      }),
    );
  }
  if (o.ocsp) {
    exts.push(
      new Extension({
        extnID: '1.3.6.1.5.5.7.1.1',
        critical: false,
        extnValue: new OctetString(
          AsnConvert.serialize(
            new AuthorityInfoAccessSyntax([
              new AccessDescription({
                accessMethod: '1.3.6.1.5.5.7.48.1',
                accessLocation: new GeneralName({ uniformResourceIdentifier: o.ocsp }),
              }),
            ]),
          ),
        ),
      }),
    );
  }
  const serial = randomBytes(8);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01;
  const alg = sigAlgFor(issuer.key, o.sigAlg ?? 'sha256');
  const tbs = new TBSCertificate({
    version: 2,
    serialNumber: new Uint8Array(serial).buffer,
    signature: alg,
    issuer: dn(issuer.subject),
    validity: new Validity({
      notBefore: o.notBefore ?? new Date(Date.now() - 30 * 86400_000),
      notAfter: o.notAfter ?? new Date(Date.now() + 365 * 86400_000),
    }),
    subject: dn(o.subject),
    subjectPublicKeyInfo: spki,
    extensions: new Extensions(exts),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const hash = o.sigAlg === 'sha1' ? 'sha1' : 'sha256';
  const sig = sign(issuer.key.asymmetricKeyType === 'ed25519' ? null : hash, tbsDer, issuer.key);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: alg,
    signatureValue: new Uint8Array(sig).buffer,
  });
  return new Uint8Array(AsnConvert.serialize(cert));
}

export const SUBJECTS = {
  root: 'C=US,ST=WA,L=Seattle,O=Wharf Test,CN=Wharf Test Root',
  inter: 'C=US,ST=WA,L=Seattle,O=Wharf Test,CN=Wharf Test Intermediate',
  leaf: 'C=US,ST=WA,L=Seattle,O=Wharf Test,OU=Signing,CN=Wharf Test Leaf',
};

export interface TestChain {
  leafKey: KeyObject;
  interKey: KeyObject;
  chain: Uint8Array[]; // leaf, intermediate, root
  root: Uint8Array;
}

/** root → intermediate → leaf; `leafKind` decides the signing algorithm. */
export function mintChain(leafKind: KeyKind, leafOverrides: Partial<MintOptions> = {}): TestChain {
  const rootKey = newKey('p256', true);
  const interKey = newKey('p256', true);
  const leafKey = newKey(leafKind);
  const root = mint({ subject: SUBJECTS.root, key: rootKey, ca: true, pathLen: 1 });
  const inter = mint({
    subject: SUBJECTS.inter,
    key: interKey,
    issuer: { subject: SUBJECTS.root, key: rootKey },
    ca: true,
    pathLen: 0,
  });
  const leaf = mint({
    subject: SUBJECTS.leaf,
    key: leafKey,
    issuer: { subject: SUBJECTS.inter, key: interKey },
    ...leafOverrides,
  });
  return { leafKey, interKey, chain: [leaf, inter, root], root };
}

export function pem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

export function keyPem(key: KeyObject, type: 'pkcs8' | 'pkcs1' | 'sec1' = 'pkcs8'): string {
  return key.export({ type, format: 'pem' } as never).toString();
}
