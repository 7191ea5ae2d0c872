import { lstat, readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { WharfError } from '@wharf/core/lite';
import { parseBlobTrustPolicy, parseOciTrustPolicy } from '@wharf/notary';
import { readConfigJson, writeFileAtomic } from '@wharf/notation';
import type { CommandContext } from '../deps.js';
import { collect, say } from '../oras/command.js';
import { confirm } from '../oras/io.js';
import { fileArg, pathsOf } from '../notation/common.js';
import { usageError } from '../usage.js';

/** Which trust policy a command works on. */
export type PolicyKind = 'oci' | 'blob';

interface PolicyOptions {
  readonly force?: boolean;
  readonly name?: string;
  readonly scope?: string[];
  readonly trustStore?: string[];
  readonly trustedIdentity?: string[];
  readonly global?: boolean;
}

const MAX_POLICY_BYTES = 4 * 1024 * 1024;

function validate(kind: PolicyKind, doc: unknown): void {
  if (kind === 'oci') parseOciTrustPolicy(doc);
  else parseBlobTrustPolicy(doc);
}

/**
 * The files a policy kind is written to. OCI: `trustpolicy.oci.json` (notation 2) and the same
 * bytes to `trustpolicy.json`, which is the only name notation 1.x reads.
 */
function targets(ctx: CommandContext, kind: PolicyKind): string[] {
  const p = pathsOf(ctx);
  return kind === 'oci' ? [p.ociTrustPolicyFile, p.legacyTrustPolicyFile] : [p.blobTrustPolicyFile];
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

async function writePolicy(
  ctx: CommandContext,
  kind: PolicyKind,
  bytes: string | Uint8Array,
  force: boolean,
): Promise<boolean> {
  const files = targets(ctx, kind);
  const present = (await Promise.all(files.map(exists))).some(Boolean);
  if (present) {
    if (force) {
      ctx.deps.stderr.write(
        'Warning: existing trust policy configuration file will be overwritten\n',
      );
    } else if (
      !(await confirm(ctx, 'The trust policy file already exists, do you want to overwrite it?'))
    ) {
      return false;
    }
  }
  for (const f of files) await writeFileAtomic(f, bytes, 0o600);
  return true;
}

/** `policy import` / `blob policy import`: validates with notary's parser, then writes atomically. */
async function importPolicy(
  ctx: CommandContext,
  kind: PolicyKind,
  file: string,
  force: boolean,
): Promise<void> {
  const path = fileArg(ctx, file);
  const st = await lstat(path).catch((err: unknown) => {
    throw new WharfError('NOT_FOUND', `failed to read trust policy file ${file}`, { cause: err });
  });
  if (!st.isFile() || st.size > MAX_POLICY_BYTES) {
    throw new WharfError(
      'POLICY_INVALID',
      `${file} is not a regular file of at most ${MAX_POLICY_BYTES} bytes`,
    );
  }
  const bytes = await readFile(path);
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new WharfError('POLICY_INVALID', `failed to parse trust policy ${file}: malformed JSON`, {
      cause: err,
    });
  }
  validate(kind, doc);
  if (await writePolicy(ctx, kind, bytes, force)) {
    say(
      ctx,
      kind === 'oci'
        ? 'Trust policy configuration imported successfully.'
        : 'Blob trust policy configuration imported successfully.',
    );
  }
}

async function showPolicy(ctx: CommandContext, kind: PolicyKind): Promise<void> {
  const p = pathsOf(ctx);
  const candidates =
    kind === 'oci' ? [p.ociTrustPolicyFile, p.legacyTrustPolicyFile] : [p.blobTrustPolicyFile];
  const cmd = kind === 'oci' ? 'wharf policy import' : 'wharf blob policy import';
  for (const f of candidates) {
    const raw = await readConfigJson(f);
    if (raw === undefined) continue;
    try {
      validate(kind, raw);
    } catch (err) {
      throw new WharfError(
        'POLICY_INVALID',
        `existing trust policy configuration ${f} is invalid, you may update or create a new one via \`${cmd} <path-to-policy.json>\`: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    ctx.deps.stdout.write(await readFile(f));
    return;
  }
  throw new WharfError(
    'POLICY_NOT_FOUND',
    `failed to show trust policy as the trust policy file does not exist. You can import one using \`${cmd} <path-to-policy.json>\``,
  );
}

async function initPolicy(
  ctx: CommandContext,
  kind: PolicyKind,
  opts: PolicyOptions,
): Promise<void> {
  if (opts.name === undefined || opts.name === '') throw usageError('--name is required');
  const stores = opts.trustStore ?? [];
  const identities = opts.trustedIdentity ?? [];
  if (stores.length === 0 || identities.length === 0) {
    throw usageError('--trust-store and --trusted-identity are required');
  }
  if (kind === 'oci' && (opts.scope ?? []).length === 0) throw usageError('--scope is required');
  const statement = {
    name: opts.name,
    ...(kind === 'oci' ? { registryScopes: opts.scope } : {}),
    signatureVerification: { level: 'strict' },
    trustStores: stores,
    trustedIdentities: identities,
    ...(kind === 'blob' && opts.global ? { globalPolicy: true } : {}),
  };
  const doc = { version: '1.0', trustPolicies: [statement] };
  validate(kind, doc);
  if (await writePolicy(ctx, kind, `${JSON.stringify(doc, null, 2)}\n`, opts.force === true)) {
    const file = targets(ctx, kind)[0] as string;
    say(
      ctx,
      `Successfully initialized ${kind === 'oci' ? 'trust policy' : 'blob trust policy'} file to ${file}`,
    );
  }
}

/** Adds `import`, `show` and `init` for one policy kind to `parent`. */
export function addPolicyCommands(
  parent: Command,
  kind: PolicyKind,
  context: () => CommandContext,
): void {
  const prefix = kind === 'oci' ? 'wharf policy' : 'wharf blob policy';
  parent
    .command('import')
    .description(
      `Import ${kind === 'oci' ? 'an OCI' : 'a blob'} trust policy from a JSON file (validated first)`,
    )
    .argument('<file>', 'trust policy JSON file')
    .option('--force', 'overwrite the existing trust policy without prompting')
    .addHelpText(
      'after',
      `\nExamples:\n  ${prefix} import ./trustpolicy.json\n  ${prefix} import --force ./trustpolicy.json`,
    )
    .action(async (file: string, opts: PolicyOptions) => {
      await importPolicy(context(), kind, file, opts.force === true);
    });
  parent
    .command('show')
    .description('Show the trust policy')
    .addHelpText('after', `\nExamples:\n  ${prefix} show`)
    .action(async () => {
      await showPolicy(context(), kind);
    });
  const init = parent
    .command('init')
    .description(
      `Write a ${kind === 'oci' ? 'trust policy' : 'blob trust policy'} with one strict statement`,
    )
    .option('-n, --name <name>', 'name of the statement')
    .option('--trust-store <type:name>', 'trust store, repeatable', collect)
    .option('--trusted-identity <identity>', 'trusted identity, repeatable', collect)
    .option('--force', 'overwrite the existing trust policy without prompting');
  if (kind === 'oci') init.option('--scope <scope>', 'registry scope, repeatable', collect);
  else init.option('--global', 'make the statement the global blob policy');
  init
    .addHelpText(
      'after',
      kind === 'oci'
        ? `\nExamples:\n  ${prefix} init --name images --scope localhost:5000/net-monitor --trust-store ca:acme --trusted-identity "x509.subject: C=US, ST=WA, O=acme"`
        : `\nExamples:\n  ${prefix} init --name blobs --trust-store ca:acme --trusted-identity "x509.subject: C=US, ST=WA, O=acme" --global`,
    )
    .action(async (opts: PolicyOptions) => {
      await initPolicy(context(), kind, opts);
    });
}

/** `wharf policy import|show|init` (notation policy; `init` is Wharf's, notation has it for blobs only). */
export function registerPolicy(program: Command, context: () => CommandContext): void {
  const policy = program
    .command('policy')
    .description('Manage the OCI trust policy (notation policy)')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf policy import ./trustpolicy.json\n  wharf policy show',
    );
  addPolicyCommands(policy, 'oci', context);
}
