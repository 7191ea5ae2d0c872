/**
 * The plugin configuration (`pluginConfig`, from signingkeys.json and `--plugin-config k=v`):
 *
 * - `module`: absolute path of the PKCS#11 module (default: the first SoftHSM v2 module found
 *   in Debian's and upstream's install locations).
 * - `pin`, or `pin-source=env:NAME` / `pin-source=file:PATH`: the user PIN (exactly one).
 * - `certChain`: a PEM file with the certificate chain, leaf first; without it the chain is read
 *   from the certificate objects on the token.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { pluginError } from './errors.js';

export type PluginConfig = Readonly<Record<string, string>>;

/** Where SoftHSM v2's module is installed (Debian's symlink, multiarch paths, upstream default). */
export const DEFAULT_MODULE_PATHS: readonly string[] = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

/**
 * The module to load: `module` from the config (absolute, existing), else the first default
 * that exists.
 *
 * @throws Pkcs11PluginError `VALIDATION_ERROR`
 */
export function modulePath(
  config: PluginConfig,
  defaults: readonly string[] = DEFAULT_MODULE_PATHS,
): string {
  const given = config['module'];
  if (given !== undefined) {
    if (!isAbsolute(given)) {
      pluginError('VALIDATION_ERROR', `pluginConfig module must be an absolute path: ${given}`);
    }
    if (!existsSync(given)) {
      pluginError('VALIDATION_ERROR', `pluginConfig module: ${given} does not exist`);
    }
    return given;
  }
  const found = defaults.find((p) => existsSync(p));
  if (found === undefined) {
    pluginError(
      'VALIDATION_ERROR',
      `no PKCS#11 module given and none found in ${defaults.join(', ')}: set pluginConfig module=<path of the .so>`,
    );
  }
  return found;
}

/**
 * The user PIN from `pin` or `pin-source` (one of them is required). A PIN file's one trailing
 * newline is dropped. The PIN itself is never part of an error message.
 *
 * @throws Pkcs11PluginError `VALIDATION_ERROR` | `ACCESS_DENIED` (unreadable PIN file)
 */
export function resolvePin(config: PluginConfig, env: NodeJS.ProcessEnv = process.env): string {
  const pin = config['pin'];
  const source = config['pin-source'];
  if (pin !== undefined && source !== undefined) {
    pluginError('VALIDATION_ERROR', 'pluginConfig has both pin and pin-source: give only one');
  }
  if (pin !== undefined) {
    if (pin === '') pluginError('VALIDATION_ERROR', 'pluginConfig pin is empty');
    return pin;
  }
  if (source === undefined) {
    pluginError(
      'VALIDATION_ERROR',
      'the token PIN is required: set pluginConfig pin-source=env:<VARIABLE> or pin-source=file:<path> (or pin=<PIN>)',
    );
  }
  if (source.startsWith('env:')) {
    const name = source.slice(4);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      pluginError('VALIDATION_ERROR', `pin-source env:${name} does not name a variable`);
    }
    const value = env[name];
    if (value === undefined || value === '') {
      pluginError('VALIDATION_ERROR', `pin-source: environment variable ${name} is not set`);
    }
    return value;
  }
  if (source.startsWith('file:')) {
    const path = source.slice(5);
    if (!isAbsolute(path)) {
      pluginError('VALIDATION_ERROR', `pin-source file:${path} must be an absolute path`);
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      pluginError('ACCESS_DENIED', `pin-source: cannot read ${path}`);
    }
    const value = text.replace(/\r?\n$/, '');
    if (value === '') pluginError('VALIDATION_ERROR', `pin-source: ${path} is empty`);
    return value;
  }
  pluginError('VALIDATION_ERROR', 'pin-source must be env:<VARIABLE> or file:<absolute path>');
}
