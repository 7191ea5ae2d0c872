/**
 * `get-plugin-metadata`, kept apart from the signing code so that answering it loads neither
 * `@wharf/notary` nor the native addon (notation and Wharf ask for it on every signature).
 * @module
 */
import type { PluginMetadata } from '@wharf/notary';

/** The plugin's name (its directory `plugins/pkcs11/` and executable `notation-pkcs11`). */
export const PLUGIN_NAME = 'pkcs11';
/** Keep equal to package.json's version (a test checks). */
export const PLUGIN_VERSION = '0.1.0';
/** The contract version spoken (`PLUGIN_CONTRACT_VERSION` of `@wharf/notary`; a test checks). */
export const CONTRACT_VERSION = '1.0';
/** `SIGNATURE_GENERATOR.RAW` (`PLUGIN_CAPABILITY.signatureGenerator`; a test checks). */
export const CAPABILITY_RAW = 'SIGNATURE_GENERATOR.RAW';

/** `get-plugin-metadata` (a test checks it against `pluginMetadataSchema`). */
export function metadata(): PluginMetadata {
  return {
    name: PLUGIN_NAME,
    description: 'Wharf PKCS#11 plugin: signs with a private key held in a PKCS#11 token (HSM)',
    version: PLUGIN_VERSION,
    url: 'https://github.com/wharf/wharf',
    supportedContractVersions: [CONTRACT_VERSION],
    capabilities: [CAPABILITY_RAW],
  };
}
