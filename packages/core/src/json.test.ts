import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_JSON_BYTES,
  DEFAULT_MAX_JSON_DEPTH,
  checkJsonDepth,
  maxJsonDepth,
  parseJsonBytes,
} from './json.js';

const te = new TextEncoder();

describe('maxJsonDepth', () => {
  const cases: ReadonlyArray<[string, number]> = [
    ['1', 0],
    ['"[[[{{{"', 0],
    ['{}', 1],
    ['[]', 1],
    ['{"a":[1,{"b":2}]}', 3],
    ['{"a":"[[[["}', 1],
    ['{"a\\"[":"\\\\"}', 1], // escaped quote and escaped backslash inside strings
    ['{"a":"\\\\","b":[[]]}', 3],
    ['[{}, {}, [[]]]', 3],
    ['{"a":"\\u005b"}', 1],
  ];
  it.each(cases)('%s has depth %i', (text, depth) => expect(maxJsonDepth(text)).toBe(depth));

  it('stops early once the limit is passed', () => {
    expect(maxJsonDepth('['.repeat(1_000_000), 64)).toBe(65);
  });

  it('checkJsonDepth allows exactly maxDepth and refuses one more', () => {
    expect(() => checkJsonDepth('['.repeat(64) + ']'.repeat(64))).not.toThrow();
    expect(() => checkJsonDepth('['.repeat(65) + ']'.repeat(65))).toThrow(
      expect.objectContaining({
        code: 'JSON_TOO_DEEP',
        detail: { maxDepth: DEFAULT_MAX_JSON_DEPTH },
      }),
    );
    expect(() => checkJsonDepth('{"a":{"b":{}}}', 2)).toThrow(
      expect.objectContaining({ code: 'JSON_TOO_DEEP' }),
    );
  });
});

describe('parseJsonBytes', () => {
  it('parses JSON bytes', () => {
    expect(parseJsonBytes(te.encode('{"a":[1,"é"]}'))).toEqual({ a: [1, 'é'] });
    expect(parseJsonBytes(te.encode(' [1] '))).toEqual([1]);
  });
  it('keeps JSON.parse semantics for duplicate keys and __proto__', () => {
    const v = parseJsonBytes(te.encode('{"a":1,"a":2,"__proto__":{"x":1}}')) as Record<
      string,
      unknown
    >;
    expect(v['a']).toBe(2);
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
  it('refuses input over maxBytes before decoding it', () => {
    expect(() => parseJsonBytes(new Uint8Array(11).fill(0xff), { maxBytes: 10 })).toThrow(
      expect.objectContaining({ code: 'JSON_TOO_LARGE', detail: { size: 11, maxBytes: 10 } }),
    );
    expect(DEFAULT_MAX_JSON_BYTES).toBe(4 * 1024 * 1024);
  });
  it('refuses invalid UTF-8, a BOM, and invalid JSON with JSON_INVALID', () => {
    for (const bytes of [
      new Uint8Array([0x22, 0xc3, 0x22]),
      new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
      te.encode('{'),
      te.encode(''),
      te.encode('{"a":1,}'),
    ]) {
      expect(() => parseJsonBytes(bytes)).toThrow(
        expect.objectContaining({ code: 'JSON_INVALID' }),
      );
    }
  });
  it('checks depth before parsing', () => {
    expect(() => parseJsonBytes(te.encode('[[[1]]]'), { maxDepth: 2 })).toThrow(
      expect.objectContaining({ code: 'JSON_TOO_DEEP' }),
    );
  });
});
