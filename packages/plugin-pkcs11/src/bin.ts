#!/usr/bin/env node
/**
 * `notation-pkcs11 <command>`: reads one JSON request on stdin, writes the JSON response on
 * stdout (exit 0), or `{"errorCode","errorMessage"}` on stderr (exit 1). Nothing else is ever
 * written, so the PIN cannot leak through logs.
 * @module
 */
import { runPlugin } from './main.js';

process.exitCode = await runPlugin(
  process.argv[2] ?? '',
  process.stdin,
  process.stdout,
  process.stderr,
);
