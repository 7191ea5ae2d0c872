#!/usr/bin/env node
/**
 * `node dist/launcher.js <file>`: writes the `notation-pkcs11` launcher (a `/bin/sh` script that
 * runs this Node binary on `dist/bin.js`) to `<file>`, ready for `wharf plugin install --file`
 * or `notation plugin install --file`. Prints the path; exit 2 without exactly one argument.
 * @module
 */
import { resolve } from 'node:path';
import { writePkcs11Launcher } from './install.js';

const args = process.argv.slice(2);
if (args.length !== 1 || args[0] === '-h' || args[0] === '--help') {
  process.stderr.write(
    'Usage: node dist/launcher.js <file>\n\nWrites the notation-pkcs11 launcher to <file>.\n\nExample:\n  node packages/plugin-pkcs11/dist/launcher.js /tmp/notation-pkcs11\n  wharf plugin install --file /tmp/notation-pkcs11\n',
  );
  process.exitCode = 2;
} else {
  try {
    process.stdout.write(`${await writePkcs11Launcher(resolve(args[0] as string))}\n`);
  } catch (err) {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
