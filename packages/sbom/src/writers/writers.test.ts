import parseSpdx from 'spdx-expression-parse';
import { describe, expect, it } from 'vitest';
import { cyclonedxValidator } from '../../test/cyclonedx-schema.js';
import { dpkgStanza, gzLayer, makeImage, OS_RELEASE } from '../../test/images.js';
import { officialSpdxValidator } from '../../test/spdx-official.js';
import { spdxDocumentSchema } from '../../test/spdx-schema.js';
import { catalogSource } from '../catalog.js';
import { generateSbom, serializeSbom } from '../generate.js';
import { createdFromEpoch } from './common.js';
import { writeCycloneDx } from './cyclonedx.js';
import { writeSpdx } from './spdx.js';
import { writeTable } from './table.js';

const officialSpdx = officialSpdxValidator();

async function sampleCatalog() {
  const layer = await gzLayer([
    { name: 'usr/lib/os-release', content: OS_RELEASE },
    { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    {
      name: 'var/lib/dpkg/status',
      content: [
        dpkgStanza(
          'libc6',
          '2.36-9+deb12u4',
          'Source: glibc\nMaintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n',
        ),
        dpkgStanza(
          'bash',
          '5.2.15-2+b2',
          'Source: bash (5.2.15-2)\nHomepage: https://tiswww.case.edu/php/chet/bash/bashtop.html\n',
        ),
      ].join('\n'),
    },
    {
      name: 'var/lib/dpkg/info/bash.list',
      content: '/.\n/bin\n/bin/bash\n/usr/share/doc/bash/copyright\n',
    },
    { name: 'bin/bash', content: '#!/bin/bash\n' },
    {
      name: 'usr/share/doc/bash/copyright',
      content: 'Format: x\n\nLicense: GPL-3+\n\nLicense: BSD-2-clause\n',
    },
    {
      name: 'app/node_modules/@scope/pkg/package.json',
      content: '{"name":"@scope/pkg","version":"1.0.0","license":"(MIT OR Apache-2.0)"}',
    },
    {
      name: 'app/node_modules/weird/package.json',
      content: '{"name":"weird","version":"0.1.0","license":"SEE LICENSE IN LICENSE.txt"}',
    },
    {
      name: 'usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO',
      content: 'Name: requests\nVersion: 2.28.1\nLicense: Apache 2.0\n',
    },
  ]);
  const { store, manifest } = await makeImage([layer]);
  return catalogSource(
    { kind: 'image', fetcher: store, descriptor: manifest, name: 'registry.example/app:1' },
    { platform: 'linux/amd64' },
  );
}

const created = new Date('2023-11-14T22:13:20Z');

describe('SPDX 2.3 writer', () => {
  it.skipIf(officialSpdx === undefined)(
    'validates against the official SPDX 2.3 JSON schema (ajv)',
    async () => {
      const doc = writeSpdx(await sampleCatalog(), { created });
      expect(doc.files?.length ?? 0).toBeGreaterThan(0);
      const ok = officialSpdx?.(JSON.parse(JSON.stringify(doc)));
      expect(officialSpdx?.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
      // and the schema does reject a malformed document (the validator is live)
      expect(officialSpdx?.({ ...doc, files: [{ fileName: 'x' }] })).toBe(false);
    },
  );

  it('validates against the SPDX 2.3 schema, with valid license expressions and consistent ids', async () => {
    const doc = writeSpdx(await sampleCatalog(), { created });
    const parsed = spdxDocumentSchema.safeParse(JSON.parse(JSON.stringify(doc)));
    expect(parsed.error?.issues ?? []).toEqual([]);
    const fileIds = (doc.files ?? []).map((f) => f.SPDXID);
    expect(fileIds.length).toBeGreaterThan(0);
    const ids = [...doc.packages.map((p) => p.SPDXID), ...fileIds];
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of doc.relationships) {
      expect([...ids, 'SPDXRef-DOCUMENT']).toContain(r.spdxElementId);
      expect(ids).toContain(r.relatedSpdxElement);
    }
    for (const p of doc.packages) {
      if (p.licenseDeclared !== 'NOASSERTION')
        expect(() => parseSpdx(p.licenseDeclared)).not.toThrow();
    }
    const bash = doc.packages.find((p) => p.name === 'bash');
    expect(bash?.licenseDeclared).toBe('BSD-2-Clause AND GPL-3.0-or-later');
    expect(bash?.externalRefs?.map((r) => r.referenceType)).toEqual(['cpe23Type', 'purl']);
    expect(doc.packages[0]?.primaryPackagePurpose).toBe('CONTAINER');
    expect(doc.creationInfo.created).toBe('2023-11-14T22:13:20Z');
  });
});

describe('CycloneDX 1.6 writer', () => {
  it('validates against the official CycloneDX 1.6 JSON schema (ajv)', async () => {
    const validate = cyclonedxValidator();
    const doc = writeCycloneDx(await sampleCatalog(), { created });
    const ok = validate(JSON.parse(JSON.stringify(doc)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const refs = doc.components.map((c) => c['bom-ref']);
    expect(new Set(refs).size).toBe(refs.length);
    expect(doc.components.find((c) => c.type === 'operating-system')).toMatchObject({
      name: 'debian',
      version: '12',
    });
    expect(doc.components.find((c) => c.name === '@scope/pkg')?.licenses).toEqual([
      { expression: 'MIT OR Apache-2.0' },
    ]);
    expect(doc.components.find((c) => c.name === 'weird')?.licenses).toEqual([
      { license: { name: 'SEE LICENSE IN LICENSE.txt' } },
    ]);
  });
});

describe('determinism', () => {
  it('gives byte-identical documents for the same image and SOURCE_DATE_EPOCH', async () => {
    const epoch = createdFromEpoch('1700000000');
    expect(epoch?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(createdFromEpoch('nope')).toBeUndefined();
    const a = await sampleCatalog();
    const b = await sampleCatalog();
    for (const format of ['spdx-json', 'cyclonedx-json', 'table'] as const) {
      const opts = epoch === undefined ? { format } : { format, created: epoch };
      const x = serializeSbom({ ...(await generateSbomFrom(a, opts)) });
      const y = serializeSbom({ ...(await generateSbomFrom(b, opts)) });
      expect(x).toBe(y);
    }
    const spdx = writeSpdx(a, { created });
    expect(spdx.documentNamespace).toMatch(
      /-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('renders a table for people', async () => {
    const table = writeTable(await sampleCatalog());
    expect(table.split('\n')[0]).toMatch(/^NAME\s+VERSION\s+TYPE$/);
    expect(table).toContain('libc6');
  });

  it('generateSbom rejects unknown formats with INVALID_OPTION', async () => {
    await expect(
      generateSbom({ kind: 'rootfs', path: '/nonexistent' }, { format: 'xml' as 'table' }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});

async function generateSbomFrom(
  catalog: Awaited<ReturnType<typeof sampleCatalog>>,
  opts: { format: 'spdx-json' | 'cyclonedx-json' | 'table'; created?: Date },
) {
  const { renderCatalog } = await import('../generate.js');
  return renderCatalog(
    catalog,
    opts.format,
    opts.created !== undefined ? { created: opts.created } : {},
  );
}
