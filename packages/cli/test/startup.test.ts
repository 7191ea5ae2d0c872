// Start-up cost: `wharf <command>` loads only that command's module graph, not every library.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { createProgram, main, type CliDeps } from '@wharf/cli';
import { tempDir, wharf } from './helpers.js';
import { debianEntries, writeLayout } from './sbom-images.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const dir = tempDir('wharf-startup-');
afterAll(() => dir.remove());

// A module-resolution hook (node:module register, on Node 20.6+, 22 and 24) that appends every
// resolved "specifier<TAB>url" to $WHARF_TEST_IMPORTS; loaded with --import before bin.js. Node 20's
// hooks do not see require(), so at exit the CommonJS module cache is appended too ("require<TAB>path").
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.WHARF_TEST_IMPORTS, specifier + '\\t' + r.url + '\\n');
  return r;
}
`;
const hooksFile = join(dir.path, 'hooks.mjs');
const registerFile = join(dir.path, 'register.mjs');
writeFileSync(hooksFile, HOOKS);
writeFileSync(
  registerFile,
  `import { createRequire, register } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(hooksFile).href)});
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const rows = Object.keys(cache).map((path) => 'require\\t' + path + '\\n');
  appendFileSync(process.env.WHARF_TEST_IMPORTS, rows.join(''));
});
`,
);

/** Runs the built binary and returns the specifiers and URLs it imported. */
async function importsOf(
  args: string[],
  name: string,
  code = 0,
): Promise<{ specifiers: string[]; urls: string[]; required: string[] }> {
  const log = join(dir.path, `${name}.log`);
  writeFileSync(log, '');
  const status = await new Promise<number | null>((done) => {
    execFile(
      process.execPath,
      ['--import', registerFile, BIN, ...args],
      {
        env: { ...process.env, HOME: dir.path, XDG_CONFIG_HOME: dir.path, WHARF_TEST_IMPORTS: log },
      },
      (err) => done(err === null ? 0 : typeof err.code === 'number' ? err.code : null),
    );
  });
  expect(status, args.join(' ')).toBe(code);
  const rows = readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t') as [string, string]);
  const esm = rows.filter((r) => r[0] !== 'require');
  return {
    specifiers: esm.map((r) => r[0]),
    urls: esm.map((r) => r[1]),
    required: rows.filter((r) => r[0] === 'require').map((r) => r[1]),
  };
}

const HEAVY = [
  '@wharf/notary',
  '@wharf/notation',
  '@wharf/sbom',
  '@wharf/vulndb',
  '@wharf/registry-server',
  '@wharf/registry-client',
  '@wharf/content',
  'undici',
];

function heavyIn(r: { specifiers: string[]; urls: string[] }): string[] {
  return HEAVY.filter(
    (h) =>
      r.specifiers.includes(h) ||
      r.urls.some(
        (u) =>
          u.includes(`/node_modules/${h}/`) ||
          u.includes(`/packages/${h.replace('@wharf/', '')}/dist/`),
      ),
  );
}

/** zod (its import alone costs a Node process ~55 ms; see core's internal/schemas.ts). */
function zodIn(r: { urls: string[] }): string[] {
  return r.urls.filter((u) => u.includes('/node_modules/zod/'));
}

function deps(): CliDeps & { out: () => string } {
  let out = '';
  return {
    stdout: { write: (s: string | Uint8Array) => (out += String(s)) },
    stderr: { write: () => true },
    env: { HOME: '/home/u' },
    cwd: '/',
    signal: new AbortController().signal,
    out: () => out,
  };
}

describe('start-up', () => {
  it('wharf version loads none of the heavy libraries', async () => {
    const r = await importsOf(['version'], 'version');
    // The hook does see the graph (positive control), so an empty list below means something.
    expect(r.specifiers).toContain('commander');
    expect(r.urls.some((u) => u.endsWith('/commands/version.js'))).toBe(true);
    expect(heavyIn(r)).toEqual([]);
    expect(r.urls.filter((u) => /\/commands\/(?!version\.js)/.test(u))).toEqual([]);
    // Errors and references come from @wharf/core/lite, without core's manifest parsing.
    expect(r.urls.some((u) => u.endsWith('/core/dist/lite.js'))).toBe(true);
    expect(r.urls.filter((u) => /\/core\/dist\/(index|manifest)\.js$/.test(u))).toEqual([]);
    expect(zodIn(r)).toEqual([]);
  });

  it('sign, verify, list and inspect --help load no signing or registry library', async () => {
    for (const cmd of ['sign', 'verify', 'list', 'inspect']) {
      const r = await importsOf([cmd, '--help'], `${cmd}-help`);
      expect(r.urls.some((u) => u.endsWith(`/commands/${cmd}.js`))).toBe(true);
      expect(heavyIn(r), cmd).toEqual([]);
      expect(zodIn(r), cmd).toEqual([]);
    }
  });

  it('a command that runs loads its libraries (control: the hook does see them)', async () => {
    const missing = join(dir.path, 'missing-layout');
    const r = await importsOf(
      ['verify', '--oci-layout', '--scope', 'x', `${missing}:v1`],
      'verify',
      1,
    );
    expect(heavyIn(r)).toContain('@wharf/notary');
    expect(zodIn(r)).not.toEqual([]);
  });

  it('a real verify of a signed OCI layout requires the X.509 ASN.1 packages, not CMS, TSP or OCSP', async () => {
    const env = { XDG_CONFIG_HOME: dir.path };
    const layout = join(dir.path, 'signed-layout');
    await writeLayout(layout, 'v1', [debianEntries()]);
    expect(
      (await wharf(['cert', 'generate-test', '--default', 'startup'], { cwd: dir.path, env })).code,
    ).toBe(0);
    writeFileSync(
      join(dir.path, 'notation', 'trustpolicy.oci.json'),
      JSON.stringify({
        version: '1.0',
        trustPolicies: [
          {
            name: 'all',
            registryScopes: ['*'],
            signatureVerification: { level: 'strict' },
            trustStores: ['ca:startup'],
            trustedIdentities: ['*'],
          },
        ],
      }),
    );
    const signed = await importsOf(['sign', '--oci-layout', `${layout}:v1`], 'sign-layout');
    expect(heavyIn(signed)).toContain('@wharf/notary');
    expect(heavyIn(signed).filter((h) => h === '@wharf/registry-client' || h === 'undici')).toEqual(
      [],
    );
    const r = await importsOf(
      ['verify', '--oci-layout', '--scope', 'local/startup', `${layout}:v1`],
      'verify-signed',
    );
    const peculiar = (list: string[]): string[] => [
      ...new Set(list.flatMap((u) => /\/node_modules\/@peculiar\/([^/]+)\//.exec(u)?.[1] ?? [])),
    ];
    // Control: the certificates were parsed (asn1-x509, required by notary's asn1.ts).
    const required = peculiar(r.required);
    expect(required).toContain('asn1-x509');
    // ... and never imported: ESM imports of these CommonJS packages cost a cjs-module-lexer scan
    // of every file they re-export (Node 20's resolve hook sees imports, not require()).
    expect(peculiar(r.urls)).toEqual([]);
    // CMS, TSP, OCSP and RSA-PSS are for timestamps and revocation responses, absent here.
    expect(required.filter((p) => /^asn1-(cms|tsp|ocsp|rsa)$/.test(p))).toEqual([]);
    expect(heavyIn(r)).toContain('@wharf/notary');
    // An OCI layout needs no registry client and no HTTP stack (~60 ms of imports).
    expect(heavyIn(r).filter((h) => h === '@wharf/registry-client' || h === 'undici')).toEqual([]);
  });

  it('a warm sbom of an OCI layout loads no registry client, undici, notation or zod', async () => {
    const layout = join(dir.path, 'sbom-layout');
    await writeLayout(layout, 'v1', [debianEntries()]);
    const args = ['sbom', '-q', `${layout}:v1`, '-o', `spdx-json=${join(dir.path, 'sbom.json')}`];
    await importsOf(args, 'sbom-cold');
    const r = await importsOf(args, 'sbom-warm');
    expect(JSON.parse(readFileSync(join(dir.path, 'sbom.json'), 'utf8'))).toHaveProperty(
      'spdxVersion',
      'SPDX-2.3',
    );
    // Control: the libraries the layout path does need are seen.
    expect(heavyIn(r)).toEqual(['@wharf/sbom', '@wharf/content']);
    expect(r.urls.some((u) => u.endsWith('/core/dist/manifest.js'))).toBe(true);
    expect(zodIn(r)).toEqual([]);
  });

  it('each command help is the same whether only that command or all are registered', async () => {
    const full = await createProgram(deps());
    expect(full.commands.length).toBeGreaterThan(20);
    for (const cmd of full.commands) {
      for (const name of [cmd.name(), ...cmd.aliases()]) {
        let expected = '';
        const all = await createProgram({
          ...deps(),
          stdout: { write: (s: string) => (expected += s) },
        });
        await expect(all.parseAsync([name, '--help'], { from: 'user' })).rejects.toBeInstanceOf(
          CommanderError,
        );
        const d = deps();
        expect(await main([name, '--help'], d), name).toBe(0);
        expect(d.out(), name).toBe(expected);
        expect(expected, name).toContain('Usage: wharf ');
      }
    }
  });

  it('a root option before the command and a mistyped command still work', async () => {
    const d = deps();
    expect(await main(['-d', 'version', '--output', 'json'], d)).toBe(0);
    expect(JSON.parse(d.out())).toHaveProperty('version');
    let err = '';
    const e = { ...deps(), stderr: { write: (s: string) => (err += s) } };
    expect(await main(['verfy'], e)).toBe(2);
    expect(err).toContain('(Did you mean verify?)');
  });
});
