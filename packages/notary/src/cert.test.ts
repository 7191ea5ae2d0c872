import { describe, expect, it } from 'vitest';
import { mint, newKey, SUBJECTS, type MintOptions } from '../test/pki.js';
import { vec } from '../test/vectors.js';
import {
  isSelfSigned,
  parseCertificate,
  parseCertificates,
  toPem,
  validateCertificateChain,
  type Certificate,
} from './cert.js';

const parse = (der: Uint8Array): Certificate => parseCertificate(der);

describe('certificate chain rules', () => {
  const rootKey = newKey('p256', true);
  const interKey = newKey('p256', true);
  const leafKey = newKey('p256', true);
  const root = (o: Partial<MintOptions> = {}) =>
    mint({ subject: SUBJECTS.root, key: rootKey, ca: true, ...o });
  const inter = (o: Partial<MintOptions> = {}) =>
    mint({
      subject: SUBJECTS.inter,
      key: interKey,
      issuer: { subject: SUBJECTS.root, key: rootKey },
      ca: true,
      ...o,
    });
  const leaf = (o: Partial<MintOptions> = {}) =>
    mint({
      subject: SUBJECTS.leaf,
      key: leafKey,
      issuer: { subject: SUBJECTS.inter, key: interKey },
      ...o,
    });

  it('accepts root → intermediate → leaf', () => {
    expect(() =>
      validateCertificateChain([parse(leaf()), parse(inter()), parse(root())]),
    ).not.toThrow();
  });
  it('enforces path length', () => {
    expect(() =>
      validateCertificateChain([
        parse(leaf()),
        parse(inter({ pathLen: 0 })),
        parse(root({ pathLen: 0 })),
      ]),
    ).toThrow(/path length 0 is exceeded/);
  });
  it('requires keyCertSign and cA on CA certificates', () => {
    expect(() =>
      validateCertificateChain([parse(leaf()), parse(inter({ keyUsage: 1 })), parse(root())]),
    ).toThrow(/lacks keyCertSign/);
    expect(() =>
      validateCertificateChain([
        parse(leaf()),
        parse(inter({ ca: false, basicConstraints: true, keyUsage: 32 })),
        parse(root()),
      ]),
    ).toThrow(/is not a CA/);
  });
  it('timestamping chains require a critical timeStamping-only EKU', () => {
    const tsa = (o: Partial<MintOptions>) =>
      parse(leaf({ eku: ['1.3.6.1.5.5.7.3.8'], ekuCritical: true, ...o }));
    expect(() =>
      validateCertificateChain([tsa({}), parse(inter()), parse(root())], 'timeStamping'),
    ).not.toThrow();
    expect(() =>
      validateCertificateChain(
        [tsa({ ekuCritical: false }), parse(inter()), parse(root())],
        'timeStamping',
      ),
    ).toThrow(/not critical/);
    expect(() =>
      validateCertificateChain([parse(leaf()), parse(inter()), parse(root())], 'timeStamping'),
    ).toThrow(/exactly timeStamping/);
    expect(() =>
      validateCertificateChain([tsa({}), parse(inter()), parse(root())], 'codeSigning'),
    ).toThrow(/1\.3\.6\.1\.5\.5\.7\.3\.8 is not allowed/);
  });
  it('self-signedness is decided by the signature, not by names (vector 02 leaf)', () => {
    const env = JSON.parse(vec('02-mock-envelopes/ca_valid_sig_env.jws.json').toString()) as {
      header: { x5c: string[] };
    };
    const leafCert = parse(new Uint8Array(Buffer.from(env.header.x5c[0] as string, 'base64')));
    expect(leafCert.subject).toBe(leafCert.issuer);
    expect(isSelfSigned(leafCert)).toBe(false);
    expect(
      isSelfSigned(
        parseCertificates(vec('02-mock-envelopes/NotationTestRoot.pem'))[0] as Certificate,
      ),
    ).toBe(true);
  });
  it('PEM round trip and parse errors', () => {
    const r = root();
    expect(parseCertificates(toPem(r))[0]?.sha256Fingerprint).toBe(parse(r).sha256Fingerprint);
    expect(() => parseCertificate(Uint8Array.of(0x30, 0x00))).toThrow(/certificate parse failed/);
    expect(() => parseCertificates('hello')).toThrow(/not a PEM certificate/);
  });
});
