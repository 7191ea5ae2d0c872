import { describe, expect, it } from 'vitest';
import { Pkcs11PluginError } from './errors.js';
import { parsePkcs11Uri } from './uri.js';

function rejects(uri: string, message: RegExp): void {
  let caught: unknown;
  try {
    parsePkcs11Uri(uri);
  } catch (err) {
    caught = err;
  }
  expect(caught, uri).toBeInstanceOf(Pkcs11PluginError);
  expect((caught as Pkcs11PluginError).code).toBe('VALIDATION_ERROR');
  expect((caught as Pkcs11PluginError).message).toMatch(message);
}

describe('parsePkcs11Uri', () => {
  it('reads token and object', () => {
    expect(parsePkcs11Uri('pkcs11:token=wharf;object=signing-key')).toEqual({
      token: 'wharf',
      object: 'signing-key',
    });
  });

  it('percent-decodes values, id as bytes, and takes the other RFC 7512 path attributes', () => {
    const u = parsePkcs11Uri(
      'pkcs11:model=SoftHSM%20v2;manufacturer=SoftHSM%20project;serial=5b3a;token=My%20Token;object=k%C3%A9y%3B1;id=%01%ab;type=private',
    );
    expect(u).toEqual({
      model: 'SoftHSM v2',
      manufacturer: 'SoftHSM project',
      serial: '5b3a',
      token: 'My Token',
      object: 'kéy;1',
      id: Uint8Array.from([0x01, 0xab]),
      type: 'private',
    });
    expect(parsePkcs11Uri('pkcs11:id=%ff').id).toEqual(Uint8Array.from([0xff]));
    // pk11-res-avail characters are allowed unencoded, "=" included
    expect(parsePkcs11Uri("pkcs11:object=a:b[c]@d!$'()*+,=&e").object).toBe("a:b[c]@d!$'()*+,=&e");
  });

  it('rejects malformed key ids with the reason', () => {
    rejects('', /must start with "pkcs11:"/);
    rejects('PKCS11:object=a', /must start with "pkcs11:"/);
    rejects('pkcs11:', /no attributes/);
    rejects('pkcs11:token=a', /names no key/);
    rejects('pkcs11:object=a;', /empty attribute/);
    rejects('pkcs11:object=a;;token=b', /empty attribute/);
    rejects('pkcs11:object', /not name=value/);
    rejects('pkcs11:=a', /not name=value/);
    rejects('pkcs11:object=', /object is empty/);
    rejects('pkcs11:object=a;object=b', /object is repeated/);
    rejects('pkcs11:object=a b', /must be percent-encoded/);
    rejects('pkcs11:object=a/b', /must be percent-encoded/);
    rejects('pkcs11:object=a%2', /must be percent-encoded/);
    rejects('pkcs11:object=a%zz', /must be percent-encoded/);
    rejects('pkcs11:object=%ff', /not UTF-8/);
    rejects('pkcs11:object=a;slot=1', /unknown attribute "slot"/);
    rejects('pkcs11:object=a;type=cert', /type=cert does not name a private key/);
    rejects('pkcs11:object=a?pin-value=1234', /query attributes .* are not accepted/);
    rejects('pkcs11:object=a#frag', /fragment/);
    rejects(`pkcs11:object=${'a'.repeat(3000)}`, /longer than 2048/);
  });

  it('never echoes a query part in full (a pin-value stays out of the message)', () => {
    try {
      parsePkcs11Uri(`pkcs11:object=${'k'.repeat(130)}?pin-value=SECRET-PIN`);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('SECRET-PIN');
    }
  });
});
