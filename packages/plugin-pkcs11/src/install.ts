/**
 * Installs `notation-pkcs11` where notation and Wharf look for plugins:
 * `<pluginsDir>/pkcs11/notation-pkcs11`. The plugin is an ES module importing its package and
 * the native addon, so a copied `.js` file cannot run on its own; a `/bin/sh` launcher that
 * `exec`s this Node binary on the built `dist/bin.js` is written instead (as `wharf-test`'s is).
 * @module
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pluginExecutableName, testPluginLauncher } from '@wharf/notary';
import { pluginError } from './errors.js';
import { PLUGIN_NAME } from './metadata.js';

/** The built entry point (from the `.ts` sources under a test runner, `dist/bin.js`). */
export function pluginEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const found = [join(here, 'bin.js'), join(here, '..', 'dist', 'bin.js')].find((p) =>
    existsSync(p),
  );
  if (found === undefined) {
    pluginError('ERROR', 'notation-pkcs11 is not built (run npx tsc -b packages/plugin-pkcs11)');
  }
  return found;
}

/** Writes the launcher script to `file` (mode 0755, atomically) and returns `file`. */
export async function writePkcs11Launcher(file: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, testPluginLauncher(pluginEntry()), { mode: 0o755 });
  await chmod(tmp, 0o755);
  await rename(tmp, file);
  return file;
}

/**
 * Writes the launcher as `<pluginsDir>/pkcs11/notation-pkcs11` and returns its path.
 *
 * @example await installPkcs11Plugin(join(homedir(), '.config/notation/plugins'));
 */
export async function installPkcs11Plugin(pluginsDir: string): Promise<string> {
  return writePkcs11Launcher(join(pluginsDir, PLUGIN_NAME, pluginExecutableName(PLUGIN_NAME)));
}
