/**
 * Turns `--key <name>` / `--id <id> --plugin <name>` / the default key into something that signs:
 * a {@link Signer} (local key pair, or a plugin with `SIGNATURE_GENERATOR.RAW`) or a plugin that
 * generates whole envelopes (`SIGNATURE_GENERATOR.ENVELOPE`).
 * @module
 */
import { readFile } from 'node:fs/promises';
import { WharfError } from '@wharf/core';
import {
  LocalKeySigner,
  NotaryPlugin,
  PLUGIN_CAPABILITY,
  PluginSigner,
  type PluginConfig,
  type Signer,
} from '@wharf/notary';
import {
  isPluginKey,
  readSigningKeys,
  selectSigningKey,
  type NotationPaths,
} from '@wharf/notation';
import { usageError } from '../usage.js';

/** The sign flags that pick a key. */
export interface KeyFlags {
  readonly key?: string;
  readonly id?: string;
  readonly plugin?: string;
  /** `--plugin-config`, merged over the key entry's config (the command line wins). */
  readonly pluginConfig?: PluginConfig;
}

/** A resolved signing key. */
export type ResolvedSigner =
  | { readonly kind: 'signer'; readonly signer: Signer }
  | {
      readonly kind: 'envelope';
      readonly plugin: NotaryPlugin;
      readonly keyId: string;
      readonly pluginConfig: PluginConfig;
    };

/**
 * Resolves the key flags against `signingkeys.json` and the plugins directory.
 *
 * @throws WharfError `USAGE` for bad flag combinations; NotationError `KEY_NOT_FOUND`;
 *   NotaryError `PLUGIN_*` | `KEY_INVALID`
 */
export async function resolveSigner(
  paths: NotationPaths,
  flags: KeyFlags,
): Promise<ResolvedSigner> {
  let pluginName: string;
  let keyId: string;
  let config: PluginConfig;
  if (flags.id !== undefined || flags.plugin !== undefined) {
    if (flags.key !== undefined) throw usageError('--key cannot be combined with --id/--plugin');
    if (!flags.id || !flags.plugin) throw usageError('--id and --plugin are required together');
    pluginName = flags.plugin;
    keyId = flags.id;
    config = flags.pluginConfig ?? {};
  } else {
    const entry = selectSigningKey(await readSigningKeys(paths), flags.key);
    if (!isPluginKey(entry)) {
      if (flags.pluginConfig && Object.keys(flags.pluginConfig).length > 0) {
        throw usageError('--plugin-config is only for plugin keys');
      }
      const [keyPem, certPem] = await Promise.all([
        readFile(entry.keyPath).catch((err: unknown) => {
          throw new WharfError(
            'KEY_INVALID',
            `cannot read the key file of signing key "${entry.name}"`,
            { cause: err },
          );
        }),
        readFile(entry.certPath).catch((err: unknown) => {
          throw new WharfError(
            'KEY_INVALID',
            `cannot read the certificate file of signing key "${entry.name}"`,
            { cause: err },
          );
        }),
      ]);
      return { kind: 'signer', signer: LocalKeySigner.fromPem(keyPem, certPem) };
    }
    pluginName = entry.pluginName;
    keyId = entry.id;
    config = { ...(entry.pluginConfig ?? {}), ...(flags.pluginConfig ?? {}) };
  }
  const plugin = await NotaryPlugin.open(paths.pluginsDir, pluginName);
  const meta = await plugin.getMetadata(config);
  // notation-go prefers RAW when a plugin has both.
  if (meta.capabilities.includes(PLUGIN_CAPABILITY.signatureGenerator)) {
    return {
      kind: 'signer',
      signer: await PluginSigner.create({ plugin, keyId, pluginConfig: config }),
    };
  }
  if (meta.capabilities.includes(PLUGIN_CAPABILITY.envelopeGenerator)) {
    return { kind: 'envelope', plugin, keyId, pluginConfig: config };
  }
  throw new WharfError(
    'PLUGIN_INVALID',
    `plugin "${pluginName}" can not sign: it has neither ${PLUGIN_CAPABILITY.signatureGenerator} nor ${PLUGIN_CAPABILITY.envelopeGenerator}`,
  );
}

const UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration (`24h`, `3h20m`, `90s`, `1.5h`) into milliseconds; zero or negative is
 * refused (`--expiry`).
 *
 * @throws WharfError `USAGE`
 */
export function parseGoDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    consumed += m[0].length;
  }
  if (text === '' || consumed !== text.length || !(total > 0)) {
    throw usageError(`invalid duration "${text}" (use e.g. 24h, 3h20m, 90s)`);
  }
  return total;
}
