/** One RFC-822-style stanza: field names as written, continuation lines joined with `\n`. */
export type Stanza = Map<string, string>;

/**
 * Splits a dpkg-status / METADATA style text into stanzas. Continuation lines (leading space or
 * tab) extend the previous field; a lone ` .` stands for an empty line. Lines without a colon
 * that are not continuations are skipped (and counted in `malformed`).
 */
export function parseStanzas(
  text: string,
  options: { single?: boolean } = {},
): {
  stanzas: Stanza[];
  malformed: number;
} {
  const stanzas: Stanza[] = [];
  let malformed = 0;
  let cur: Stanza = new Map();
  let last: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') {
      if (options.single === true) {
        // METADATA: the body (long description) follows the first blank line
        break;
      }
      if (cur.size > 0) stanzas.push(cur);
      cur = new Map();
      last = undefined;
      continue;
    }
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      const v = line.trim();
      cur.set(last, `${cur.get(last) ?? ''}\n${v === '.' ? '' : v}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      malformed++;
      last = undefined;
      continue;
    }
    last = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    const prev = cur.get(last);
    // repeated keys (METADATA Classifier, License-File) accumulate
    cur.set(last, prev === undefined ? value : `${prev}\n${value}`);
  }
  if (cur.size > 0) stanzas.push(cur);
  return { stanzas, malformed };
}

export function decodeText(content: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(content);
}
