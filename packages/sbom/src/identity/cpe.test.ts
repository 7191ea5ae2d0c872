import { describe, expect, it } from 'vitest';
import type { RawPackage } from '../catalogers/types.js';
import { generateCpes, goModuleCpeParts } from './cpe.js';

function raw(p: Partial<RawPackage> & Pick<RawPackage, 'type' | 'name' | 'version'>): RawPackage {
  return {
    foundBy: 'test',
    licenses: [],
    purl: { type: p.type, name: p.name },
    metadata: {},
    ...p,
  };
}

const tail = ':*:*:*:*:*:*';

describe('generateCpes', () => {
  it('names a package by vendor and product from its name, escaping the version', () => {
    expect(
      generateCpes(raw({ type: 'deb', name: 'base-files', version: '12.4+deb12u15' })),
    ).toEqual([`cpe:2.3:a:base-files:base-files:12.4\\+deb12u15:*${tail}`]);
  });

  it("crosses the cataloger's vendor and product hints, first of each first, at most 4", () => {
    const cpes = generateCpes(
      raw({
        type: 'python',
        name: 'Six',
        version: '1.16.0',
        cpe: { vendors: ['Six', 'python-six', 'benjamin'], products: ['six', 'python_six'] },
      }),
    );
    expect(cpes).toEqual([
      `cpe:2.3:a:six:six:1.16.0:*${tail}`,
      `cpe:2.3:a:six:python_six:1.16.0:*${tail}`,
      `cpe:2.3:a:python-six:six:1.16.0:*${tail}`,
      `cpe:2.3:a:python-six:python_six:1.16.0:*${tail}`,
    ]);
    expect(generateCpes(raw({ type: 'gem', name: 'rack', version: '' }), 1)).toEqual([
      `cpe:2.3:a:rack:rack:*:*${tail}`,
    ]);
  });

  it('names an npm package with its scope, and adds the owner of its repository or homepage', () => {
    const types = raw({
      type: 'npm',
      name: '@types/node',
      version: '18.18.14',
      metadata: { url: 'https://github.com/DefinitelyTyped/DefinitelyTyped.git' },
      // the bare-name hint of layers analysed before: not used
      cpe: { vendors: ['node'], products: ['node'] },
    });
    expect(generateCpes(types)).toEqual([
      `cpe:2.3:a:\\@types\\/node:\\@types\\/node:18.18.14:*${tail}`,
      `cpe:2.3:a:definitelytyped:\\@types\\/node:18.18.14:*${tail}`,
    ]);
    const lexer = raw({
      type: 'npm',
      name: 'cjs-module-lexer',
      version: '1.2.2',
      metadata: { url: 'git+https://github.com/guybedford/cjs-module-lexer.git' },
      homepage: 'https://github.com/guybedford/cjs-module-lexer#readme',
    });
    expect(generateCpes(lexer)).toEqual([
      `cpe:2.3:a:cjs-module-lexer:cjs-module-lexer:1.2.2:*${tail}`,
      `cpe:2.3:a:guybedford:cjs-module-lexer:1.2.2:*${tail}`,
    ]);
    const undici = raw({
      type: 'npm',
      name: 'undici',
      version: '5.15.0',
      metadata: { url: 'git+https://github.com/nodejs/undici.git' },
      homepage: 'https://undici.nodejs.org',
    });
    expect(generateCpes(undici)).toEqual([`cpe:2.3:a:undici:undici:5.15.0:*${tail}`]);
  });

  it('names a Go module by the owner in its path and the rest of the path', () => {
    const umoci = raw({
      type: 'go-module',
      name: 'github.com/opencontainers/umoci/cmd/umoci',
      version: '',
    });
    expect(generateCpes(umoci)).toEqual([
      `cpe:2.3:a:opencontainers:umoci\\/cmd\\/umoci:*:*${tail}`,
    ]);
    const gofmt = raw({ type: 'go-module', name: 'cmd/gofmt', version: '' });
    expect(generateCpes(gofmt)).toEqual([]);
  });

  it('gives the Go toolchain golang:go with the release as version and the pre-release as update', () => {
    const stdlib = (version: string, compiled?: string) =>
      generateCpes(
        raw({
          type: 'go-module',
          name: 'stdlib',
          version,
          metadata: compiled !== undefined ? { goCompiledVersion: compiled } : {},
        }),
      );
    expect(stdlib('go1.19.8', 'go1.19.8')).toEqual([`cpe:2.3:a:golang:go:1.19.8:-${tail}`]);
    expect(stdlib('go1.21', 'go1.21rc2')).toEqual([`cpe:2.3:a:golang:go:1.21:rc2${tail}`]);
    expect(stdlib('go1.22.0', 'go1.22.0 X:boringcrypto')).toEqual([
      `cpe:2.3:a:golang:go:1.22.0:-${tail}`,
    ]);
    expect(stdlib('go1.20.3')).toEqual([`cpe:2.3:a:golang:go:1.20.3:-${tail}`]);
  });
});

describe('goModuleCpeParts', () => {
  it.each([
    ['github.com/spf13/cobra', { vendor: 'spf13', product: 'cobra' }],
    ['github.com/klauspost/compress/v2', { vendor: 'klauspost', product: 'compress/v2' }],
    ['golang.org/x/net', { vendor: 'golang', product: 'x/net' }],
    ['google.golang.org/grpc/cmd/protoc-gen-go-grpc', { vendor: 'google', product: 'grpc' }],
    ['gopkg.in/yaml.v3', undefined],
    ['k8s.io/api', undefined],
    ['cmd/gofmt', undefined],
  ])('%s', (path, parts) => {
    expect(goModuleCpeParts(path)).toEqual(parts);
  });
});
