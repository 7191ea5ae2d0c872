/**
 * The @peculiar ASN.1 packages, loaded with `require`. They are CommonJS only; `import`ing them
 * from ESM makes Node scan every file they re-export with cjs-module-lexer, which cost about
 * 110 ms of each `wharf sign`/`verify` start-up against `require` (docs/benchmarks.md, "CLI
 * start-up (run 3)"). `require` returns the same module objects `import` would. Certificates
 * need asn1-schema and asn1-x509 at once; CMS, TSP, OCSP and RSA-PSS parameters are needed only
 * for timestamps, OCSP and PSS-signed CRLs/responses, so they load on first use.
 * @module
 */
import { createRequire } from 'node:module';
import type * as Cms from '@peculiar/asn1-cms';
import type * as Ocsp from '@peculiar/asn1-ocsp';
import type * as Rsa from '@peculiar/asn1-rsa';
import type * as Schema from '@peculiar/asn1-schema';
import type * as Tsp from '@peculiar/asn1-tsp';
import type * as X509 from '@peculiar/asn1-x509';

const require = createRequire(import.meta.url);

/** `@peculiar/asn1-schema` (AsnConvert, OctetString). */
export const asn1Schema = require('@peculiar/asn1-schema') as typeof Schema;
/** `@peculiar/asn1-x509`. */
export const asn1X509 = require('@peculiar/asn1-x509') as typeof X509;

let cms: typeof Cms | undefined;
let tsp: typeof Tsp | undefined;
let ocsp: typeof Ocsp | undefined;
let rsa: typeof Rsa | undefined;

/** `@peculiar/asn1-cms`, loaded on first call. */
export const asn1Cms = (): typeof Cms => (cms ??= require('@peculiar/asn1-cms') as typeof Cms);
/** `@peculiar/asn1-tsp`, loaded on first call. */
export const asn1Tsp = (): typeof Tsp => (tsp ??= require('@peculiar/asn1-tsp') as typeof Tsp);
/** `@peculiar/asn1-ocsp`, loaded on first call. */
export const asn1Ocsp = (): typeof Ocsp => (ocsp ??= require('@peculiar/asn1-ocsp') as typeof Ocsp);
/** `@peculiar/asn1-rsa`, loaded on first call. */
export const asn1Rsa = (): typeof Rsa => (rsa ??= require('@peculiar/asn1-rsa') as typeof Rsa);
