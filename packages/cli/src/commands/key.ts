import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { WharfError } from '@wharf/core/lite';
import { LocalKeySigner, findPlugin } from '@wharf/notary';
import {
  isPluginKey,
  readSigningKeys,
  writeSigningKeys,
  type SigningKeyEntry,
} from '@wharf/notation';
import type { CommandContext } from '../deps.js';
import { collect, say } from '../oras/command.js';
import { acceptVerbose, checkName, fileArg, keyValues, pathsOf } from '../notation/common.js';
import { goTable } from '../notation/table.js';
import { usageError } from '../usage.js';

interface KeyOptions {
  readonly plugin?: string;
  readonly id?: string;
  readonly pluginConfig?: string[];
  readonly key?: string;
  readonly cert?: string;
  readonly default?: boolean;
}

/** `wharf key add|list|update|delete` (notation key; `--key/--cert` is Wharf's addition). */
export function registerKey(program: Command, context: () => CommandContext): void {
  const key = program
    .command('key')
    .description('Manage keys used for signing (notation key)')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf key add --plugin my-kms --id arn:key/1 --default kms-key\n  wharf key add --key signer.key --cert signer.crt local\n  wharf key ls',
    );

  acceptVerbose(key.command('add'))
    .description('Add a key to the signing key list')
    .argument('<key_name>', 'name of the key')
    .option('--plugin <name>', 'signing plugin name')
    .option('--id <id>', 'key id (required with --plugin)')
    .option('--plugin-config <k=v>', 'plugin configuration, repeatable', collect)
    .option('--key <file>', 'local private key (PEM), with --cert')
    .option('--cert <file>', 'local certificate chain (PEM, leaf first), with --key')
    .option('--default', 'mark as default')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf key add --plugin wharf-test --id k1 --plugin-config keyPath=/k.pem mykey\n  wharf key add --key signer.key --cert signer.crt --default local',
    )
    .action(async (rawName: string, opts: KeyOptions) => {
      const ctx = context();
      const name = checkName('key name', rawName);
      const paths = pathsOf(ctx);
      let entry: SigningKeyEntry;
      if (opts.plugin !== undefined || opts.id !== undefined) {
        if (opts.key !== undefined || opts.cert !== undefined) {
          throw usageError('--plugin/--id cannot be combined with --key/--cert');
        }
        if (opts.plugin === undefined || opts.id === undefined || opts.id === '') {
          throw usageError('--plugin and --id are required together');
        }
        await findPlugin(paths.pluginsDir, opts.plugin);
        const config = keyValues(opts.pluginConfig, '--plugin-config');
        entry = {
          name,
          id: opts.id,
          pluginName: opts.plugin,
          ...(Object.keys(config).length > 0 ? { pluginConfig: config } : {}),
        };
      } else if (opts.key !== undefined && opts.cert !== undefined) {
        if (opts.pluginConfig !== undefined) throw usageError('--plugin-config needs --plugin');
        const keyPath = fileArg(ctx, opts.key);
        const certPath = fileArg(ctx, opts.cert);
        // Refuse a pair that cannot sign (unreadable, mismatched, unsupported algorithm) now.
        LocalKeySigner.fromPem(await readFile(keyPath), await readFile(certPath));
        entry = { name, keyPath, certPath };
      } else {
        throw usageError('give --plugin with --id, or --key with --cert');
      }
      const keys = await readSigningKeys(paths);
      if (keys.keys.some((k) => k.name === name)) {
        throw new WharfError('ALREADY_EXISTS', `signing key with name "${name}" already exists`);
      }
      const def = opts.default ? name : keys.default;
      await writeSigningKeys(paths, {
        ...(def !== undefined ? { default: def } : {}),
        keys: [...keys.keys, entry],
      });
      say(ctx, opts.default ? `${name}: marked as default` : name);
    });

  key
    .command('list')
    .alias('ls')
    .description('List keys used for signing')
    .addHelpText('after', '\nExamples:\n  wharf key ls')
    .action(async () => {
      const ctx = context();
      const keys = await readSigningKeys(pathsOf(ctx));
      const rows = keys.keys.map((k) => [
        `${k.name === keys.default ? '* ' : ''}${k.name}`,
        isPluginKey(k) ? '' : k.keyPath,
        isPluginKey(k) ? '' : k.certPath,
        isPluginKey(k) ? k.id : '',
        isPluginKey(k) ? k.pluginName : '',
      ]);
      ctx.deps.stdout.write(
        goTable([['NAME', 'KEY PATH', 'CERTIFICATE PATH', 'ID', 'PLUGIN NAME'], ...rows]),
      );
    });

  acceptVerbose(key.command('update'))
    .alias('set')
    .description('Update a key in the signing key list')
    .argument('<key_name>', 'name of the key')
    .option('--default', 'mark as default')
    .addHelpText('after', '\nExamples:\n  wharf key update --default mykey')
    .action(async (name: string, opts: KeyOptions) => {
      const ctx = context();
      if (!opts.default) throw usageError('nothing to update: give --default');
      const paths = pathsOf(ctx);
      const keys = await readSigningKeys(paths);
      if (!keys.keys.some((k) => k.name === name)) {
        throw new WharfError('NOT_FOUND', `signing key ${name} not found`);
      }
      await writeSigningKeys(paths, { default: name, keys: keys.keys });
      say(ctx, `${name}: marked as default`);
    });

  acceptVerbose(key.command('delete'))
    .alias('rm')
    .description('Remove keys from the signing key list (the key files stay)')
    .argument('<key_names...>', 'names of the keys')
    .addHelpText('after', '\nExamples:\n  wharf key delete mykey other')
    .action(async (names: string[]) => {
      const ctx = context();
      const paths = pathsOf(ctx);
      const keys = await readSigningKeys(paths);
      const missing = names.find((n) => !keys.keys.some((k) => k.name === n));
      if (missing !== undefined)
        throw new WharfError('NOT_FOUND', `signing key ${missing} not found`);
      const def =
        keys.default !== undefined && !names.includes(keys.default) ? keys.default : undefined;
      await writeSigningKeys(paths, {
        ...(def !== undefined ? { default: def } : {}),
        keys: keys.keys.filter((k) => !names.includes(k.name)),
      });
      for (const n of names) {
        say(ctx, `Removed ${n} from Notation signing key list. The source key still exists.`);
      }
    });
}
