/**
 * A strict parser of the PKCS#11 URI subset this plugin accepts as a key id (RFC 7512 §2.3):
 * `pkcs11:` followed by `;`-separated path attributes `token`, `manufacturer`, `model`,
 * `serial`, `object`, `id` and `type`. Hand-written because no maintained npm package parses
 * RFC 7512 URIs; it is small and every rejection has a test.
 * @module
 */
import { pluginError } from './errors.js';

/** The attributes of a parsed key id. Values are percent-decoded; `id` is raw bytes. */
export interface Pkcs11Uri {
  readonly token?: string;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly serial?: string;
  readonly object?: string;
  readonly id?: Uint8Array;
  readonly type?: 'private';
}

const TEXT_ATTRIBUTES = ['token', 'manufacturer', 'model', 'serial', 'object'] as const;
type TextAttribute = (typeof TEXT_ATTRIBUTES)[number];

/** RFC 7512 pk11-pchar: unreserved, pk11-res-avail (`:[]@!$'()*+,=`, plus `&` in path), pct-encoded. */
const PCHAR = /^(?:[A-Za-z0-9\-._~:[\]@!$'()*+,=&]|%[0-9A-Fa-f]{2})*$/;

/** Longest key id accepted (a URI, not a document). */
const MAX_LENGTH = 2048;

function bad(uri: string, why: string): never {
  const shown = uri.length > 120 ? `${uri.slice(0, 120)}…` : uri;
  pluginError(
    'VALIDATION_ERROR',
    `key id ${JSON.stringify(shown)} is not a valid PKCS#11 URI: ${why} (expected e.g. pkcs11:token=<label>;object=<label>)`,
  );
}

function decode(uri: string, name: string, raw: string): Uint8Array {
  if (!PCHAR.test(raw)) {
    bad(uri, `attribute ${name} has a character that must be percent-encoded`);
  }
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '%') {
      out.push(Number.parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(raw.charCodeAt(i));
    }
  }
  return Uint8Array.from(out);
}

function utf8(uri: string, name: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    bad(uri, `attribute ${name} is not UTF-8 once percent-decoded`);
  }
}

/**
 * Parses a key id. At least one of `object` and `id` is required (they name the key); the
 * query part (`?pin-value=…`, `?module-path=…`) is refused: the PIN and the module come from
 * the plugin configuration, so a key id stored in signingkeys.json never carries a secret.
 *
 * @throws Pkcs11PluginError `VALIDATION_ERROR` naming the problem
 * @example parsePkcs11Uri('pkcs11:token=wharf;object=signing-key')
 */
export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (uri.length > MAX_LENGTH) bad(uri, `longer than ${MAX_LENGTH} characters`);
  if (!uri.startsWith('pkcs11:')) bad(uri, 'it must start with "pkcs11:"');
  const rest = uri.slice('pkcs11:'.length);
  if (rest.includes('?')) {
    bad(
      uri,
      'query attributes (pin-value, pin-source, module-path…) are not accepted; give pin/pin-source and module in the plugin config',
    );
  }
  if (rest.includes('#')) bad(uri, 'a fragment is not allowed');
  if (rest === '') bad(uri, 'it has no attributes');
  const seen = new Set<string>();
  const text: Partial<Record<TextAttribute, string>> = {};
  let id: Uint8Array | undefined;
  let type: 'private' | undefined;
  for (const part of rest.split(';')) {
    if (part === '') bad(uri, 'it has an empty attribute (";;" or a trailing ";")');
    const eq = part.indexOf('=');
    if (eq <= 0) bad(uri, `attribute ${JSON.stringify(part)} is not name=value`);
    const name = part.slice(0, eq);
    const raw = part.slice(eq + 1);
    if (seen.has(name)) bad(uri, `attribute ${name} is repeated`);
    seen.add(name);
    if (raw === '') bad(uri, `attribute ${name} is empty`);
    const bytes = decode(uri, name, raw);
    if ((TEXT_ATTRIBUTES as readonly string[]).includes(name)) {
      text[name as TextAttribute] = utf8(uri, name, bytes);
    } else if (name === 'id') {
      id = bytes;
    } else if (name === 'type') {
      const value = utf8(uri, name, bytes);
      if (value !== 'private') {
        bad(uri, `type=${value} does not name a private key (use type=private or leave it out)`);
      }
      type = 'private';
    } else {
      bad(
        uri,
        `unknown attribute ${JSON.stringify(name)} (known: token, manufacturer, model, serial, object, id, type)`,
      );
    }
  }
  if (text.object === undefined && id === undefined) {
    bad(uri, 'it names no key: give object=<label> and/or id=<hex bytes as %XX>');
  }
  return {
    ...text,
    ...(id === undefined ? {} : { id }),
    ...(type === undefined ? {} : { type }),
  };
}
