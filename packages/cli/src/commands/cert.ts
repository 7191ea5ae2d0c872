import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { WharfError } from '@wharf/core/lite';
import {
  generateTestCertificate,
  parseCertificates,
  validateStoreCertificates,
} from '@wharf/notary';
import {
  isPluginKey,
  readSigningKeys,
  writeFileAtomic,
  writeSigningKeys,
  type SigningKeys,
} from '@wharf/notation';
import type { CommandContext } from '../deps.js';
import { confirm } from '../oras/io.js';
import { say } from '../oras/command.js';
import {
  STORE_TYPES,
  acceptVerbose,
  checkName,
  copyFileAtomic,
  fileArg,
  goTimeUtc,
  pathsOf,
  storeType,
  type StoreType,
} from '../notation/common.js';
import { goTable } from '../notation/table.js';
import { usageError } from '../usage.js';

interface CertOptions {
  readonly type?: string;
  readonly store?: string;
  readonly all?: boolean;
  readonly yes?: boolean;
  readonly bits?: string;
  readonly default?: boolean;
}

function storeDir(ctx: CommandContext, type: StoreType, store: string): string {
  return join(pathsOf(ctx).trustStoreDir, 'x509', type, store);
}

async function isDir(path: string): Promise<boolean> {
  const st = await lstat(path).catch(() => undefined);
  return st?.isDirectory() === true;
}

async function names(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.map((e) => e.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Adds certificate files to a named store (copies, never overwrites). */
async function addCerts(
  ctx: CommandContext,
  type: StoreType,
  store: string,
  files: readonly string[],
): Promise<string[]> {
  const dir = storeDir(ctx, type, store);
  const added: string[] = [];
  for (const f of files) {
    const src = fileArg(ctx, f);
    let certs;
    try {
      certs = parseCertificates(await readFile(src));
    } catch (err) {
      throw new WharfError(
        'CERT_INVALID',
        `failed to add ${f} to named store ${store} of type ${type}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    validateStoreCertificates(type, store, certs);
    const target = join(dir, basename(src));
    if (await lstat(target).catch(() => undefined)) {
      throw new WharfError(
        'ALREADY_EXISTS',
        `failed to add ${f} to named store ${store} of type ${type}: certificate already exists in the trust store`,
      );
    }
    await copyFileAtomic(src, target);
    added.push(f);
  }
  return added;
}

function showCert(der: Uint8Array): string {
  const [c] = parseCertificates(der);
  if (!c) return '';
  return [
    'Certificate details',
    '-'.repeat(80),
    `Issuer: ${c.issuer}`,
    `Subject: ${c.subject}`,
    `Valid from: ${goTimeUtc(c.notBefore)}`,
    `Valid to: ${goTimeUtc(c.notAfter)}`,
    `IsCA: ${c.basicConstraints?.ca === true}`,
    `SHA256 Thumbprint: ${c.sha256Fingerprint}`,
  ].join('\n');
}

/** `wharf cert|certificate add|list|show|delete|generate-test|cleanup-test` (notation cert). */
export function registerCert(program: Command, context: () => CommandContext): void {
  const cert = program
    .command('certificate')
    .alias('cert')
    .description('Manage certificates in the trust store (notation cert)')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf cert add --type ca --store acme-rockets acme-rockets.crt\n  wharf cert list\n  wharf cert generate-test --default wabbit-networks.io',
    );

  cert
    .command('add')
    .description('Add certificates to the trust store')
    .argument('<cert_path...>', 'certificate files (PEM or DER)')
    .option('-t, --type <type>', 'trust store type: ca, signingAuthority, tsa')
    .option('-s, --store <name>', 'named store')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf cert add --type ca --store acme-rockets acme-rockets.crt\n  wharf cert add -t tsa -s timestamp tsa-root.pem',
    )
    .action(async (files: string[], opts: CertOptions) => {
      const ctx = context();
      const type = storeType(opts.type) as StoreType;
      const store = checkName('named store', opts.store);
      const added = await addCerts(ctx, type, store, files);
      say(
        ctx,
        `Successfully added following certificates to named store ${store} of type ${type}:`,
      );
      for (const f of added) say(ctx, f);
    });

  acceptVerbose(cert.command('list'))
    .alias('ls')
    .description('List certificates in the trust store')
    .option('-t, --type <type>', 'only this trust store type')
    .option('-s, --store <name>', 'only this named store')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf cert ls\n  wharf cert ls --type ca --store acme-rockets',
    )
    .action(async (opts: CertOptions) => {
      const ctx = context();
      const only = storeType(opts.type, false);
      const store = opts.store === undefined ? undefined : checkName('named store', opts.store);
      const rows: string[][] = [];
      for (const type of only ? [only] : STORE_TYPES) {
        const typeDir = join(pathsOf(ctx).trustStoreDir, 'x509', type);
        for (const s of store ? [store] : await names(typeDir)) {
          const dir = join(typeDir, s);
          if (!(await isDir(dir))) continue;
          for (const f of await names(dir)) rows.push([type, s, f]);
        }
      }
      if (rows.length === 0) return;
      ctx.deps.stdout.write(goTable([['STORE TYPE', 'STORE NAME', 'CERTIFICATE'], ...rows]));
    });

  acceptVerbose(cert.command('show'))
    .description('Show certificate details')
    .argument('<cert_file>', 'certificate file name in the store')
    .option('-t, --type <type>', 'trust store type: ca, signingAuthority, tsa')
    .option('-s, --store <name>', 'named store')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf cert show --type ca --store acme-rockets acme-rockets.crt',
    )
    .action(async (file: string, opts: CertOptions) => {
      const ctx = context();
      const type = storeType(opts.type) as StoreType;
      const store = checkName('named store', opts.store);
      const name = checkName('certificate file', file);
      const path = join(storeDir(ctx, type, store), name);
      const data = await readFile(path).catch((err: unknown) => {
        throw new WharfError(
          'NOT_FOUND',
          `failed to show details of certificate ${name}: ${path} cannot be read`,
          { cause: err },
        );
      });
      const certs = parseCertificates(data);
      ctx.deps.stdout.write(`${certs.map((c) => showCert(c.der)).join('\n\n')}\n`);
    });

  cert
    .command('delete')
    .description('Delete certificates from the trust store')
    .argument('[cert_file]', 'certificate file name in the store')
    .option('-t, --type <type>', 'trust store type: ca, signingAuthority, tsa')
    .option('-s, --store <name>', 'named store')
    .option('-a, --all', 'delete the whole named store')
    .option('-y, --yes', 'do not prompt for confirmation')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf cert delete --type ca --store acme-rockets acme-rockets.crt -y\n  wharf cert delete --type ca --store acme-rockets --all',
    )
    .action(async (file: string | undefined, opts: CertOptions) => {
      const ctx = context();
      const type = storeType(opts.type) as StoreType;
      const store = checkName('named store', opts.store);
      if ((file === undefined) === (opts.all !== true)) {
        throw usageError('give either a certificate file name or --all');
      }
      const dir = storeDir(ctx, type, store);
      if (!(await isDir(dir))) {
        throw new WharfError('NOT_FOUND', `named store ${store} of type ${type} does not exist`);
      }
      if (opts.all) {
        if (
          !opts.yes &&
          !(await confirm(
            ctx,
            `Are you sure you want to delete all certificates in "${type}" of named store "${store}"?`,
          ))
        )
          return;
        await rm(dir, { recursive: true, force: true });
        say(ctx, `Successfully deleted ${dir}`);
        return;
      }
      const name = checkName('certificate file', file);
      const path = join(dir, name);
      if (!(await lstat(path).catch(() => undefined))) {
        throw new WharfError(
          'NOT_FOUND',
          `certificate ${name} does not exist in named store ${store} of type ${type}`,
        );
      }
      if (
        !opts.yes &&
        !(await confirm(
          ctx,
          `Are you sure you want to delete "${name}" in "${type}" of named store "${store}"?`,
        ))
      )
        return;
      await rm(path);
      say(ctx, `Successfully deleted ${name}`);
    });

  cert
    .command('generate-test')
    .description('Generate a test RSA key and a corresponding self-signed certificate')
    .argument('<common_name>', 'certificate common name; also the key, store and file name')
    .option('-b, --bits <bits>', 'RSA key bits', '2048')
    .option('--default', 'mark as default signing key')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf cert generate-test wabbit-networks.io\n  wharf cert generate-test --default -b 3072 wabbit-networks.io',
    )
    .action(async (commonName: string, opts: CertOptions) => {
      const ctx = context();
      const name = checkName('name', commonName);
      const bits = Number(opts.bits);
      if (!Number.isInteger(bits)) throw usageError(`--bits "${opts.bits}" is not a number`);
      const paths = pathsOf(ctx);
      const keys = await readSigningKeys(paths);
      if (keys.keys.some((k) => k.name === name)) {
        throw new WharfError('ALREADY_EXISTS', `signing key with name "${name}" already exists`);
      }
      say(ctx, `generating RSA Key with ${bits} bits`);
      const generated = generateTestCertificate({ commonName: name, bits });
      say(
        ctx,
        `generated certificate expiring on ${generated.notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
      );
      const keyPath = join(paths.localKeysDir, `${name}.key`);
      const certPath = join(paths.localKeysDir, `${name}.crt`);
      await writeFileAtomic(keyPath, generated.keyPem, 0o600);
      say(ctx, `wrote key: ${keyPath}`);
      await writeFileAtomic(certPath, generated.certPem, 0o644);
      say(ctx, `wrote certificate: ${certPath}`);
      const target = join(storeDir(ctx, 'ca', name), `${name}.crt`);
      await writeFileAtomic(target, generated.certPem, 0o600);
      say(ctx, `Successfully added ${name}.crt to named store ${name} of type ca`);
      const next: SigningKeys = {
        ...(opts.default
          ? { default: name }
          : keys.default !== undefined
            ? { default: keys.default }
            : {}),
        keys: [...keys.keys, { name, keyPath, certPath }],
      };
      await writeSigningKeys(paths, next);
      say(ctx, `${name}: added to the key list`);
      if (opts.default) say(ctx, `${name}: mark as default signing key`);
    });

  cert
    .command('cleanup-test')
    .description('Clean up a test RSA key and its self-signed certificate (generate-test)')
    .argument('<common_name>', 'the name given to generate-test')
    .option('-y, --yes', 'do not prompt for confirmation')
    .addHelpText('after', '\nExamples:\n  wharf cert cleanup-test -y wabbit-networks.io')
    .action(async (commonName: string, opts: CertOptions) => {
      const ctx = context();
      const name = checkName('name', commonName);
      const paths = pathsOf(ctx);
      if (
        !opts.yes &&
        !(await confirm(
          ctx,
          `Are you sure you want to clean up test key "${name}" and its certificate?`,
        ))
      )
        return;
      const keys = await readSigningKeys(paths);
      const entry = keys.keys.find((k) => k.name === name);
      if (entry && !isPluginKey(entry)) {
        await writeSigningKeys(paths, {
          ...(keys.default !== undefined && keys.default !== name ? { default: keys.default } : {}),
          keys: keys.keys.filter((k) => k.name !== name),
        });
        say(ctx, `Successfully removed ${name} from the signing key list`);
      }
      const store = storeDir(ctx, 'ca', name);
      const stored = join(store, `${name}.crt`);
      if (await lstat(stored).catch(() => undefined)) {
        await rm(stored);
        say(ctx, `Successfully deleted ${name}.crt from trust store ${name} of type ca`);
        if ((await names(store)).length === 0) await rm(store, { recursive: true, force: true });
      }
      for (const ext of ['key', 'crt']) {
        const p = join(paths.localKeysDir, `${name}.${ext}`);
        if (await lstat(p).catch(() => undefined)) {
          await rm(p);
          say(ctx, `Successfully deleted ${p}`);
        }
      }
    });
}
