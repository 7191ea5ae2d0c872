import { describe, expect, it } from 'vitest';
import { isWharfError } from './errors.js';
import {
  formatReference,
  isValidRegistry,
  isValidRepositoryName,
  isValidTag,
  parseReference,
  referenceString,
  referrersTagFor,
  tryParseDockerReference,
  tryParseReference,
  type Reference,
} from './reference.js';

const SHA256_F = `sha256:${'f'.repeat(64)}`;
const SHA512_F = `sha512:${'f'.repeat(128)}`;
const SHA256_D = 'sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';

function codeAndPart(fn: () => unknown): { code: string; part: unknown } | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!isWharfError(err)) throw err;
    return { code: err.code, part: err.detail?.['part'] };
  }
}

describe('isValidRepositoryName', () => {
  const valid = [
    'a',
    'ubuntu',
    'library/ubuntu',
    'a/b/c/d/e',
    'docker-rules/docker',
    'docker---rules/docker',
    'a---b',
    'a__b',
    'a_b',
    'a.b',
    'a-b.c_d__e',
    'foo.bar/baz',
    '0/1',
    'd/docker',
    'jess/t',
    'dock__er/docker',
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    'a'.repeat(255),
    `${'a/'.repeat(127)}a`,
  ];
  const invalid = [
    '',
    'A',
    'Ubuntu',
    'docker/Docker',
    'a___b',
    'a..b',
    'dock..er/docker',
    'dock_.er/docker',
    'dock-.er/docker',
    'a.-b',
    'a-_b',
    '-docker',
    'docker-',
    '-docker/docker',
    'docker-/docker',
    '-docker-/docker',
    '_docker/_docker',
    '____/____',
    '.a',
    'a.',
    'a_',
    'a/',
    '/a',
    'a//b',
    'docker///docker',
    'a b',
    'a:b',
    'a@b',
    'aa/asdf$$^/aa',
    'ünïcode',
    'a'.repeat(256),
    `${'a/'.repeat(128)}a`,
  ];
  it.each(valid)('accepts %j', (name) => expect(isValidRepositoryName(name)).toBe(true));
  it.each(invalid)('rejects %j', (name) => expect(isValidRepositoryName(name)).toBe(false));
});

describe('isValidTag', () => {
  const valid = [
    'latest',
    'v1.0.0',
    '_',
    '_x',
    '1',
    'A',
    'Uppercase',
    'a.b-c_d',
    'x'.repeat(128),
    'sha256-abc',
  ];
  const invalid = ['', '-x', '.x', 'a:b', 'a/b', 'a@b', 'a+b', 'a b', 'x'.repeat(129), 'tág'];
  it.each(valid)('accepts %j', (tag) => expect(isValidTag(tag)).toBe(true));
  it.each(invalid)('rejects %j', (tag) => expect(isValidTag(tag)).toBe(false));
});

describe('isValidRegistry', () => {
  const valid = [
    'localhost',
    'localhost:5000',
    'docker.io',
    'registry-1.docker.io',
    'ghcr.io',
    'a',
    'Foo',
    'test-com:8080',
    'xn--n3h.com:18080',
    '127.0.0.1',
    '192.168.0.1:5000',
    '[::1]',
    '[::1]:5000',
    '[2001:db8::1]:5000',
    '[2001:db8:1:2:3:4:5:6]',
  ];
  const invalid = [
    '',
    '-a.com',
    'a-.com',
    'a..com',
    '.com',
    'a.com:',
    'a.com:port',
    'a_b.com',
    'https:',
    'fc00::1:5000',
    '[fe80::1%eth0]:5000',
    '[2001:db8:3:4::192.0.2.33]',
    '[::1',
    'a com',
    'user@host',
  ];
  it.each(valid)('accepts %j', (host) => expect(isValidRegistry(host)).toBe(true));
  it.each(invalid)('rejects %j', (host) => expect(isValidRegistry(host)).toBe(false));
});

describe('parseReference (strict, oras-go style)', () => {
  const valid: ReadonlyArray<[string, Reference]> = [
    ['localhost/x', { registry: 'localhost', repository: 'x' }],
    ['localhost:5000/x', { registry: 'localhost:5000', repository: 'x' }],
    ['ghcr.io/acme/app:v1', { registry: 'ghcr.io', repository: 'acme/app', tag: 'v1' }],
    [
      `ghcr.io/acme/app@${SHA256_F}`,
      { registry: 'ghcr.io', repository: 'acme/app', digest: SHA256_F },
    ],
    [
      `ghcr.io/acme/app:v1@${SHA256_F}`,
      { registry: 'ghcr.io', repository: 'acme/app', tag: 'v1', digest: SHA256_F },
    ],
    ['test:5000/repo', { registry: 'test:5000', repository: 'repo' }],
    ['test:5000/repo:tag', { registry: 'test:5000', repository: 'repo', tag: 'tag' }],
    [`test:5000/repo@${SHA256_F}`, { registry: 'test:5000', repository: 'repo', digest: SHA256_F }],
    ['test.com/repo:tag', { registry: 'test.com', repository: 'repo', tag: 'tag' }],
    ['lowercase.io/x:Uppercase', { registry: 'lowercase.io', repository: 'x', tag: 'Uppercase' }],
    ['sub-dom1.foo.com/bar/baz/quux', { registry: 'sub-dom1.foo.com', repository: 'bar/baz/quux' }],
    [
      'sub-dom1.foo.com/bar/baz/quux:some-long-tag',
      { registry: 'sub-dom1.foo.com', repository: 'bar/baz/quux', tag: 'some-long-tag' },
    ],
    [
      'b.gcr.io/test.example.com/my-app:test.example.com',
      { registry: 'b.gcr.io', repository: 'test.example.com/my-app', tag: 'test.example.com' },
    ],
    [
      'xn--n3h.com/myimage:xn--n3h.com',
      { registry: 'xn--n3h.com', repository: 'myimage', tag: 'xn--n3h.com' },
    ],
    [
      `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512_F}`,
      { registry: 'xn--7o8h.com', repository: 'myimage', tag: 'xn--7o8h.com', digest: SHA512_F },
    ],
    ['foo/foo_bar.com:8080', { registry: 'foo', repository: 'foo_bar.com', tag: '8080' }],
    ['192.168.1.1/repo', { registry: '192.168.1.1', repository: 'repo' }],
    ['192.168.1.1:5000/repo', { registry: '192.168.1.1:5000', repository: 'repo' }],
    [
      '192.168.1.1:5000/repo:5050',
      { registry: '192.168.1.1:5000', repository: 'repo', tag: '5050' },
    ],
    ['[2001:db8::1]/repo', { registry: '[2001:db8::1]', repository: 'repo' }],
    [
      '[2001:db8:1:2:3:4:5:6]/repo:tag',
      { registry: '[2001:db8:1:2:3:4:5:6]', repository: 'repo', tag: 'tag' },
    ],
    ['[2001:db8::1]:5000/repo', { registry: '[2001:db8::1]:5000', repository: 'repo' }],
    [
      '[2001:db8::1]:5000/repo:tag',
      { registry: '[2001:db8::1]:5000', repository: 'repo', tag: 'tag' },
    ],
    [
      `[2001:db8::1]:5000/repo:tag@${SHA256_F}`,
      { registry: '[2001:db8::1]:5000', repository: 'repo', tag: 'tag', digest: SHA256_F },
    ],
    ['[2001:db8::]:5000/repo', { registry: '[2001:db8::]:5000', repository: 'repo' }],
    ['[::1]:5000/repo', { registry: '[::1]:5000', repository: 'repo' }],
    ['example.com/a__b/c---d', { registry: 'example.com', repository: 'a__b/c---d' }],
    // unknown but grammatical digest algorithms pass, as in the image-spec
    [
      'example.com/x@foo+b64:YWJj',
      { registry: 'example.com', repository: 'x', digest: 'foo+b64:YWJj' },
    ],
    [
      `${'a/'.repeat(127)}a:tag-puts-this-over-max`, // name of exactly 255 characters
      { registry: 'a', repository: `${'a/'.repeat(126)}a`, tag: 'tag-puts-this-over-max' },
    ],
  ];
  it.each(valid)('parses %j', (input, want) => {
    expect(parseReference(input)).toEqual(want);
    expect(tryParseReference(input)).toEqual(want);
    expect(formatReference(parseReference(input))).toBe(input);
  });

  const invalid: ReadonlyArray<[string, string]> = [
    ['', 'reference'],
    ['ubuntu', 'reference'],
    ['ubuntu:latest', 'reference'],
    ['/repo', 'registry'],
    ['localhost/', 'repository'],
    ['localhost/:tag', 'repository'],
    [`localhost/@${SHA256_F}`, 'repository'],
    [':justtag', 'reference'],
    [`@${SHA256_F}`, 'reference'],
    ['-bad.com/repo', 'registry'],
    ['bad_host.com/repo', 'registry'],
    ['host:port/repo', 'registry'],
    ['https://ghcr.io/repo', 'registry'],
    ['[fe80::1%eth0]:5000/repo', 'registry'],
    ['[fe80::1%@invalidzone]:5000/repo', 'registry'],
    ['ghcr.io/Uppercase', 'repository'],
    ['test:5000/Uppercase/lowercase:tag', 'repository'],
    ['ghcr.io/a___b', 'repository'],
    ['ghcr.io/a..b', 'repository'],
    ['ghcr.io/a/', 'repository'],
    ['ghcr.io/a//b', 'repository'],
    ['ghcr.io/-a', 'repository'],
    ['ghcr.io/a-', 'repository'],
    ['ghcr.io/aa/asdf$$^/aa', 'repository'],
    ['ghcr.io/a:b:c', 'tag'],
    ['ghcr.io/a:-tag', 'tag'],
    ['ghcr.io/a:', 'tag'],
    [`ghcr.io/a:${'t'.repeat(129)}`, 'tag'],
    ['ghcr.io/a@', 'digest'],
    ['ghcr.io/a@sha256:', 'digest'],
    ['ghcr.io/a@sha256:ffff', 'digest'],
    [`ghcr.io/a@sha256:${'F'.repeat(64)}`, 'digest'],
    ['ghcr.io/a@nocolon', 'digest'],
    [`ghcr.io/a@${SHA256_F}@${SHA256_F}`, 'digest'],
    [`ghcr.io/a:tag@sha256:ffff`, 'digest'],
    [`${'a/'.repeat(128)}a:tag`, 'repository'], // 257 characters of name
    [`${'a'.repeat(245)}.io/abcdefg`, 'repository'], // 256 characters of name
  ];
  it.each(invalid)('rejects %j (part %s)', (input, part) => {
    expect(codeAndPart(() => parseReference(input))).toEqual({ code: 'INVALID_REFERENCE', part });
    expect(tryParseReference(input)).toBeUndefined();
  });

  it('accepts a name of exactly 255 characters', () => {
    const input = `${'a'.repeat(244)}.io/abcdefg`;
    expect(input.length).toBe(255);
    expect(parseReference(input).repository).toBe('abcdefg');
  });

  it('names the bad part in the message and wraps digest errors', () => {
    try {
      parseReference('ghcr.io/app@sha256:xyz');
      expect.unreachable();
    } catch (err) {
      expect(isWharfError(err, 'INVALID_REFERENCE')).toBe(true);
      const e = err as Error;
      expect(e.message).toContain('invalid digest "sha256:xyz"');
      expect(isWharfError(e.cause, 'INVALID_DIGEST')).toBe(true);
    }
    expect(() => parseReference('ghcr.io/App')).toThrow(/repository name "App": must be lowercase/);
    expect(() => parseReference('ghcr.io/app:-x')).toThrow(/invalid tag "-x"/);
    expect(() => parseReference('bad_host/app')).toThrow(/invalid registry "bad_host"/);
  });
});

describe('hostile input', () => {
  const huge = [
    `ghcr.io/${'a'.repeat(1_000_000)}!`,
    `ghcr.io/${'a-'.repeat(500_000)}`,
    `ghcr.io/${'a__'.repeat(300_000)}_`,
    `${'a.'.repeat(500_000)}-/x`,
    `ghcr.io/x:${'t'.repeat(1_000_000)}`,
    `ghcr.io/x@sha256:${'a'.repeat(1_000_000)}`,
  ];
  it.each(huge.map((h) => [h.slice(0, 24), h] as const))('rejects %j… quickly', (_label, input) => {
    const start = performance.now();
    expect(tryParseReference(input)).toBeUndefined();
    expect(tryParseDockerReference(input)).toBeUndefined();
    expect(performance.now() - start).toBeLessThan(500);
  });
  it('keeps error messages short', () => {
    try {
      parseReference(huge[4] ?? '');
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(600);
    }
  });
});

describe('formatReference', () => {
  it('formats each form', () => {
    expect(formatReference({ registry: 'r.io', repository: 'a/b' })).toBe('r.io/a/b');
    expect(formatReference({ registry: 'r.io', repository: 'a', tag: 't' })).toBe('r.io/a:t');
    expect(formatReference({ registry: 'r.io', repository: 'a', digest: SHA256_F })).toBe(
      `r.io/a@${SHA256_F}`,
    );
    expect(referenceString({ registry: 'r.io', repository: 'a', tag: 't', digest: SHA256_F })).toBe(
      `r.io/a:t@${SHA256_F}`,
    );
  });
});

describe('referrersTagFor', () => {
  it('uses <alg>-<encoded> for sha256', () => {
    expect(referrersTagFor(SHA256_D)).toBe(`sha256-${SHA256_D.slice(7)}`);
  });
  it('truncates the encoded part to 64 characters', () => {
    const tag = referrersTagFor(`sha512:${'ab'.repeat(64)}`);
    expect(tag).toBe(`sha512-${'ab'.repeat(32)}`);
    expect(tag.length).toBe(71);
  });
  it('truncates the algorithm to 32 characters and replaces invalid characters', () => {
    const alg = `${'a'.repeat(30)}+b64.x_y-z`;
    const tag = referrersTagFor(`${alg}:YWJj=`);
    expect(tag).toBe(`${'a'.repeat(30)}-b-YWJj-`);
    expect(isValidTag(tag)).toBe(true);
  });
  it('always yields a valid tag', () => {
    for (const d of [SHA256_F, SHA512_F, 'foo+bar:A=b_c-d', `x.y:${'Z'.repeat(200)}`]) {
      expect(isValidTag(referrersTagFor(d))).toBe(true);
    }
  });
  it('rejects a bad digest with INVALID_DIGEST', () => {
    expect(codeAndPart(() => referrersTagFor('sha256:nothex'))?.code).toBe('INVALID_DIGEST');
    expect(codeAndPart(() => referrersTagFor('nocolon'))?.code).toBe('INVALID_DIGEST');
  });
});
