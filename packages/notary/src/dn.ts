import { NotaryError } from './errors.js';

function bad(msg: string): never {
  throw new NotaryError('POLICY_INVALID', `distinguished name: ${msg}`);
}

function unescapeValue(raw: string): string {
  let out = '';
  const bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8');
    bytes.length = 0;
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch !== '\\') {
      flush();
      out += ch;
      continue;
    }
    const next = raw.slice(i + 1, i + 3);
    if (/^[0-9a-fA-F]{2}$/.test(next)) {
      bytes.push(parseInt(next, 16));
      i += 2;
    } else if (i + 1 < raw.length) {
      flush();
      out += raw[i + 1] as string;
      i += 1;
    } else bad('dangling escape');
  }
  flush();
  return out;
}

/**
 * Parses an RFC 4514 DN (`C=US, ST=WA, O=acme`) into attribute type → value. Types are
 * upper-cased (`S` is an alias of `ST`); multi-valued RDNs, duplicate types and `#` hex
 * values are rejected; with `requireMandatory`, `C`, `ST` and `O` must be present.
 *
 * @throws NotaryError `POLICY_INVALID`
 */
export function parseDistinguishedName(
  text: string,
  requireMandatory: boolean,
): Map<string, string> {
  const rdns: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\') {
      cur += ch + (text[i + 1] ?? '');
      i++;
    } else if (ch === ',' || ch === ';') {
      rdns.push(cur);
      cur = '';
    } else if (ch === '+') bad('multi-valued RDNs are not supported');
    else cur += ch;
  }
  rdns.push(cur);
  const out = new Map<string, string>();
  for (const rdn of rdns) {
    const eq = rdn.indexOf('=');
    if (eq <= 0) bad(`"${rdn.trim()}" is not type=value`);
    let type = rdn.slice(0, eq).trim().toUpperCase();
    if (type === 'S') type = 'ST';
    if (!/^[A-Z][A-Z0-9-]*$|^\d+(\.\d+)*$/.test(type)) bad(`invalid attribute type "${type}"`);
    let raw = rdn.slice(eq + 1).replace(/^\s+/, '');
    // Trim unescaped trailing whitespace.
    while (/\s$/.test(raw) && !/\\\s$/.test(raw)) raw = raw.slice(0, -1);
    if (raw.startsWith('#')) bad('hex-encoded (#) attribute values are not supported');
    if (out.has(type)) bad(`duplicate attribute type ${type}`);
    out.set(type, unescapeValue(raw));
  }
  if (requireMandatory) {
    for (const t of ['C', 'ST', 'O'])
      if (!out.has(t)) bad(`required attribute ${t} is missing (C, ST and O are mandatory)`);
  }
  return out;
}

function isSubset(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** Returns a description of the first overlapping pair (one a subset of the other), if any. */
export function checkIdentityOverlap(
  ids: readonly ReadonlyMap<string, string>[],
): string | undefined {
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const a = ids[i] as ReadonlyMap<string, string>;
      const b = ids[j] as ReadonlyMap<string, string>;
      if (isSubset(a, b) || isSubset(b, a)) return `identities #${i + 1} and #${j + 1}`;
    }
  }
  return undefined;
}

/**
 * True when the leaf subject (Go string form) contains every attribute of one trusted
 * identity with an equal (case-sensitive) value.
 */
export function subjectMatchesIdentity(
  leafSubject: string,
  identities: readonly ReadonlyMap<string, string>[],
): boolean {
  let leaf: Map<string, string>;
  try {
    leaf = parseDistinguishedName(leafSubject, true);
  } catch {
    return false;
  }
  return identities.some((id) => isSubset(id, leaf));
}
