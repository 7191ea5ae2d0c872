import { MEDIA_TYPE_NOTARY_PAYLOAD } from '@wharf/core';
import { NotaryError } from '../errors.js';
import { HEADER, type ExtendedAttribute, type SigningScheme } from './types.js';

/** Protected-header facts common to JWS and COSE, before validation. */
export interface HeaderFacts {
  readonly format: 'JWS' | 'COSE';
  readonly contentType: unknown;
  readonly crit: readonly string[];
  /** Names of all protected header members (string labels only for COSE). */
  readonly names: ReadonlySet<string>;
  readonly signingScheme: unknown;
  readonly signingTime?: Date;
  readonly authenticSigningTime?: Date;
  readonly expiry?: Date;
  readonly verificationPlugin: unknown;
  readonly verificationPluginMinVersion: unknown;
  readonly extended: ReadonlyMap<string, unknown>;
}

/** Validated signed attributes. */
export interface SignedAttributes {
  readonly signingScheme: SigningScheme;
  readonly signingTime?: Date;
  readonly authenticSigningTime?: Date;
  readonly expiry?: Date;
  readonly verificationPlugin?: string;
  readonly verificationPluginMinVersion?: string;
  readonly extendedAttributes: readonly ExtendedAttribute[];
}

/** Header names that are not extended attributes. */
export const NOTARY_HEADERS: ReadonlySet<string> = new Set([
  HEADER.signingScheme,
  HEADER.signingTime,
  HEADER.authenticSigningTime,
  HEADER.expiry,
  HEADER.verificationPlugin,
  HEADER.verificationPluginMinVersion,
]);

/**
 * Applies the notary.md §1.1/§1.4/§1.6 rules to the signed attributes: content type, signing
 * scheme, scheme-specific time header, `crit` membership, expiry after signing time.
 *
 * @throws NotaryError `ENVELOPE_MALFORMED`
 */
export function validateSignedAttributes(f: HeaderFacts): SignedAttributes {
  function bad(msg: string): never {
    throw new NotaryError('ENVELOPE_MALFORMED', `${f.format} protected header: ${msg}`);
  }
  if (f.contentType !== MEDIA_TYPE_NOTARY_PAYLOAD) {
    bad(`payload content type must be ${MEDIA_TYPE_NOTARY_PAYLOAD}`);
  }
  if (f.crit.length === 0) bad('crit is missing or empty');
  const crit = new Set(f.crit);
  if (crit.size !== f.crit.length) bad('crit has duplicate entries');
  for (const name of f.crit) {
    if (!f.names.has(name)) bad(`"${name}" is marked critical but not present`);
  }
  const scheme = f.signingScheme;
  if (scheme !== 'notary.x509' && scheme !== 'notary.x509.signingAuthority') {
    bad(`signing scheme ${JSON.stringify(scheme)} is not supported`);
  }
  if (!crit.has(HEADER.signingScheme)) bad(`${HEADER.signingScheme} must be marked critical`);
  let when: Date;
  if (scheme === 'notary.x509') {
    if (!f.signingTime) bad(`${HEADER.signingTime} is required for notary.x509`);
    if (f.names.has(HEADER.authenticSigningTime)) {
      bad(`${HEADER.authenticSigningTime} is not allowed for notary.x509`);
    }
    when = f.signingTime;
  } else {
    if (!f.authenticSigningTime) {
      bad(`${HEADER.authenticSigningTime} is required for notary.x509.signingAuthority`);
    }
    if (f.names.has(HEADER.signingTime)) {
      bad(`${HEADER.signingTime} is not allowed for notary.x509.signingAuthority`);
    }
    if (!crit.has(HEADER.authenticSigningTime)) {
      bad(`${HEADER.authenticSigningTime} must be marked critical`);
    }
    when = f.authenticSigningTime;
  }
  if (f.expiry) {
    if (!crit.has(HEADER.expiry)) bad(`${HEADER.expiry} must be marked critical`);
    if (f.expiry.getTime() <= when.getTime()) bad('expiry must be after the signing time');
  }
  const plugin = f.verificationPlugin;
  if (plugin !== undefined && (typeof plugin !== 'string' || plugin === '')) {
    bad(`${HEADER.verificationPlugin} must be a non-empty string`);
  }
  const minVersion = f.verificationPluginMinVersion;
  if (minVersion !== undefined) {
    if (typeof minVersion !== 'string' || !/^v?\d+\.\d+\.\d+([-+].*)?$/.test(minVersion)) {
      bad(`${HEADER.verificationPluginMinVersion} must be a SemVer string`);
    }
    if (plugin === undefined)
      bad(`${HEADER.verificationPluginMinVersion} requires ${HEADER.verificationPlugin}`);
  }
  const extendedAttributes: ExtendedAttribute[] = [];
  for (const [key, value] of f.extended) {
    extendedAttributes.push({ key, value, critical: crit.has(key) });
  }
  return {
    signingScheme: scheme,
    ...(f.signingTime ? { signingTime: f.signingTime } : {}),
    ...(f.authenticSigningTime ? { authenticSigningTime: f.authenticSigningTime } : {}),
    ...(f.expiry ? { expiry: f.expiry } : {}),
    ...(typeof plugin === 'string' ? { verificationPlugin: plugin } : {}),
    ...(typeof minVersion === 'string' ? { verificationPluginMinVersion: minVersion } : {}),
    extendedAttributes,
  };
}

/**
 * Checks sign-side inputs for extended attributes: no reserved names, no duplicates.
 *
 * @throws NotaryError `INVALID_ARGUMENT`
 */
export function checkExtendedAttributesForSigning(
  attrs: readonly ExtendedAttribute[],
  reserved: ReadonlySet<string>,
): void {
  const seen = new Set<string>();
  for (const a of attrs) {
    // The verification plugin attributes are Notary-defined extended attributes (critical).
    if (a.key === HEADER.verificationPlugin || a.key === HEADER.verificationPluginMinVersion) {
      if (!a.critical || typeof a.value !== 'string' || a.value === '') {
        throw new NotaryError(
          'INVALID_ARGUMENT',
          `"${a.key}" must be a critical, non-empty string`,
        );
      }
    } else if (a.key === '' || reserved.has(a.key) || NOTARY_HEADERS.has(a.key)) {
      throw new NotaryError(
        'INVALID_ARGUMENT',
        `extended attribute "${a.key}" uses a reserved name`,
      );
    }
    if (seen.has(a.key)) {
      throw new NotaryError('INVALID_ARGUMENT', `extended attribute "${a.key}" is duplicated`);
    }
    seen.add(a.key);
  }
}
