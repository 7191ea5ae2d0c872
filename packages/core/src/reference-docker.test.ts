import { describe, expect, it } from 'vitest';
import { isWharfError } from './errors.js';
import {
  formatReference,
  parseDockerReference,
  parseReference,
  tryParseDockerReference,
} from './reference.js';

const SHA256_F = `sha256:${'f'.repeat(64)}`;
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

describe('parseDockerReference (docker normalisation)', () => {
  const cases: ReadonlyArray<[string, string]> = [
    ['ubuntu', 'docker.io/library/ubuntu'],
    ['ubuntu:22.04', 'docker.io/library/ubuntu:22.04'],
    ['library/ubuntu', 'docker.io/library/ubuntu'],
    ['foo/bar', 'docker.io/foo/bar'],
    ['fooo/bar', 'docker.io/fooo/bar'],
    ['docker/docker', 'docker.io/docker/docker'],
    ['library/debian', 'docker.io/library/debian'],
    ['debian', 'docker.io/library/debian'],
    ['docker.io/docker/docker', 'docker.io/docker/docker'],
    ['docker.io/library/debian', 'docker.io/library/debian'],
    ['docker.io/debian', 'docker.io/library/debian'],
    ['index.docker.io/docker/docker', 'docker.io/docker/docker'],
    ['index.docker.io/library/debian', 'docker.io/library/debian'],
    ['index.docker.io/debian', 'docker.io/library/debian'],
    ['index.docker.io/x', 'docker.io/library/x'],
    ['127.0.0.1:5000/docker/docker', '127.0.0.1:5000/docker/docker'],
    ['127.0.0.1:5000/library/debian', '127.0.0.1:5000/library/debian'],
    ['127.0.0.1:5000/debian', '127.0.0.1:5000/debian'],
    ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase'],
    ['example.com/privatebase', 'example.com/privatebase'],
    ['example.com:8000/private/moonbase', 'example.com:8000/private/moonbase'],
    ['192.168.0.1', 'docker.io/library/192.168.0.1'],
    ['192.168.0.1:80', 'docker.io/library/192.168.0.1:80'],
    ['192.168.0.1:8/debian', '192.168.0.1:8/debian'],
    ['192.168.0.2:25000/debian', '192.168.0.2:25000/debian'],
    ['[fc00::1]:5000/docker', '[fc00::1]:5000/docker'],
    ['[fc00::1]:5000/docker/docker', '[fc00::1]:5000/docker/docker'],
    ['[fc00:1:2:3:4:5:6:7]:5000/library/debian', '[fc00:1:2:3:4:5:6:7]:5000/library/debian'],
    ['localhost/x', 'localhost/x'],
    ['localhost:5000/x', 'localhost:5000/x'],
    ['localhost:5000/x:v1', 'localhost:5000/x:v1'],
    ['localhost', 'docker.io/library/localhost'],
    ['test_com/foo', 'docker.io/test_com/foo'],
    ['test.com:8080/foo', 'test.com:8080/foo'],
    ['test-com:8080/foo', 'test-com:8080/foo'],
    ['xn--n3h.com/foo', 'xn--n3h.com/foo'],
    ['docker.io/library/foo/bar', 'docker.io/library/foo/bar'],
    ['store/foo/bar', 'docker.io/store/foo/bar'],
    ['other/library', 'docker.io/other/library'],
    ['ubuntu-12.04-base', 'docker.io/library/ubuntu-12.04-base'],
    [
      'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
      'docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    ],
    [
      'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
      'docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    ],
    // a 63-hex name is not an image id
    [
      'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9',
      'docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9',
    ],
    ['redis:latest', 'docker.io/library/redis:latest'],
    [`redis@${SHA256_D}`, `docker.io/library/redis@${SHA256_D}`],
    [`dmcgowan/myapp@${SHA256_D}`, `docker.io/dmcgowan/myapp@${SHA256_D}`],
    [`busybox:latest@${SHA256_D}`, `docker.io/library/busybox:latest@${SHA256_D}`],
    // docker reads an uppercase first component as a host (repositories are lowercase)
    ['Docker/docker', 'Docker/docker'],
    ['DOCKER/docker', 'DOCKER/docker'],
    ['Foo/bar', 'Foo/bar'],
    ['LOCALDOMAIN/debian', 'LOCALDOMAIN/debian'],
  ];
  it.each(cases)('normalises %j to %j', (input, want) => {
    expect(formatReference(parseDockerReference(input))).toBe(want);
    // the normalised form is a strict reference that parses to the same value
    expect(parseReference(want)).toEqual(parseDockerReference(input));
  });

  it('splits registry, repository, tag and digest', () => {
    expect(parseDockerReference('ubuntu')).toEqual({
      registry: 'docker.io',
      repository: 'library/ubuntu',
    });
    expect(parseDockerReference('foo/bar:1')).toEqual({
      registry: 'docker.io',
      repository: 'foo/bar',
      tag: '1',
    });
    expect(parseDockerReference(`localhost:5000/x@${SHA256_F}`)).toEqual({
      registry: 'localhost:5000',
      repository: 'x',
      digest: SHA256_F,
    });
  });

  const invalid = [
    '',
    'https://github.com/docker/docker',
    'docker/Docker',
    'docker.io/docker/Docker',
    'docker.io/library/Foo',
    'Uppercase:tag',
    'ubuntU',
    '-docker',
    '-docker/docker',
    '-docker.io/docker/docker',
    'docker///docker',
    'docker.io/docker///docker',
    '[fc00::1]',
    '[fc00::1]:5000',
    'fc00::1:5000/debian',
    '[fe80::1%eth0]:5000/debian',
    '[2001:db8:3:4::192.0.2.33]:5000/debian',
    '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    'docker-/docker',
    '-docker-/docker',
    '____/____',
    '_docker/_docker',
    'dock..er/docker',
    'dock_.er/docker',
    'dock-.er/docker',
    'docker/',
    'a___b',
    'a..b',
    'foo/',
    ':justtag',
    `@${SHA256_F}`,
    'repo@sha256:ffffffffffffffffffffffffffffffffff',
    `validname@Invalid:${'f'.repeat(64)}`,
    'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker',
    // 256 characters once normalised to docker.io/library/…
    'a'.repeat(256 - 'docker.io/library/'.length),
  ];
  it.each(invalid)('rejects %j', (input) => {
    expect(codeAndPart(() => parseDockerReference(input))?.code).toBe('INVALID_REFERENCE');
    expect(tryParseDockerReference(input)).toBeUndefined();
  });

  it('accepts a normalised name of exactly 255 characters', () => {
    const name = 'a'.repeat(255 - 'docker.io/library/'.length);
    expect(formatReference(parseDockerReference(name)).length).toBe(255);
  });

  it('explains lowercase and image-id rejections', () => {
    expect(() => parseDockerReference('docker/Docker')).toThrow(/must be lowercase/);
    expect(() => parseDockerReference('a'.repeat(64).replace(/a/g, 'f'))).toThrow(/image id/);
  });
});
