/**
 * Notary Project plugin contract v1.0 (notary.md §5): request shapes, zod schemas of the
 * responses, and the mapping of the plugin's `errorCode`s to stable Wharf codes.
 * @module
 */
import { z } from 'zod';
import type { NotaryErrorCode } from '../errors.js';

/** The only contract version this implementation speaks. */
export const PLUGIN_CONTRACT_VERSION = '1.0';

/** Plugin commands (the first argument of `notation-<name>`). */
export type PluginCommand =
  | 'get-plugin-metadata'
  | 'describe-key'
  | 'generate-signature'
  | 'generate-envelope'
  | 'verify-signature';

/** Capabilities a plugin may declare. */
export const PLUGIN_CAPABILITY = {
  signatureGenerator: 'SIGNATURE_GENERATOR.RAW',
  envelopeGenerator: 'SIGNATURE_GENERATOR.ENVELOPE',
  envelopeGeneratorForBlob: 'SIGNATURE_GENERATOR.ENVELOPE_FOR_BLOB',
  trustedIdentityVerifier: 'SIGNATURE_VERIFIER.TRUSTED_IDENTITY',
  revocationCheckVerifier: 'SIGNATURE_VERIFIER.REVOCATION_CHECK',
} as const;

/** Plugin-defined key/value configuration (`pluginConfig`). */
export type PluginConfig = Readonly<Record<string, string>>;

const KEY_SPECS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'EC-256', 'EC-384', 'EC-521'] as const;
const SIGNING_ALGORITHMS = [
  'RSASSA-PSS-SHA-256',
  'RSASSA-PSS-SHA-384',
  'RSASSA-PSS-SHA-512',
  'ECDSA-SHA-256',
  'ECDSA-SHA-384',
  'ECDSA-SHA-512',
] as const;

/** Standard base64 with padding (Go `[]byte` JSON). */
const base64Std = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be standard base64')
  .refine((s) => s.length % 4 === 0, 'must be padded standard base64');

/** `get-plugin-metadata` response; every field is required and non-empty (spec). */
export const pluginMetadataSchema = z.object({
  name: z.string().min(1),
  description: z.string().min(1),
  version: z.string().min(1),
  url: z.string().min(1),
  supportedContractVersions: z.array(z.string().min(1)).min(1),
  capabilities: z.array(z.string().min(1)).min(1),
});
export type PluginMetadata = z.infer<typeof pluginMetadataSchema>;

/** `describe-key` response. */
export const describeKeySchema = z.object({
  keyId: z.string().min(1),
  keySpec: z.enum(KEY_SPECS),
});
export type DescribeKeyResponse = z.infer<typeof describeKeySchema>;

/** `generate-signature` response. */
export const generateSignatureSchema = z.object({
  keyId: z.string().min(1),
  signature: base64Std,
  signingAlgorithm: z.enum(SIGNING_ALGORITHMS),
  certificateChain: z.array(base64Std).min(1),
});
export type GenerateSignatureResponse = z.infer<typeof generateSignatureSchema>;

/** `generate-envelope` response. */
export const generateEnvelopeSchema = z.object({
  signatureEnvelope: base64Std,
  signatureEnvelopeType: z.string().min(1),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type GenerateEnvelopeResponse = z.infer<typeof generateEnvelopeSchema>;

/** `verify-signature` response. */
export const verifySignatureSchema = z.object({
  verificationResults: z.record(
    z.string(),
    z.object({ success: z.boolean(), reason: z.string().optional() }),
  ),
  processedAttributes: z.array(z.string()).nullish(),
});
export type VerifySignatureResponse = z.infer<typeof verifySignatureSchema>;

/** The error document a failing plugin writes to stderr. */
export const pluginErrorSchema = z.object({
  errorCode: z.string(),
  errorMessage: z.string().optional(),
  errorMetadata: z.record(z.string(), z.unknown()).optional(),
});

/** Plugin error codes of the spec, and the Wharf code each one becomes. */
export const PLUGIN_ERROR_CODES: Readonly<Record<string, NotaryErrorCode>> = {
  VALIDATION_ERROR: 'PLUGIN_VALIDATION_ERROR',
  UNSUPPORTED_CONTRACT_VERSION: 'PLUGIN_UNSUPPORTED_CONTRACT_VERSION',
  ACCESS_DENIED: 'PLUGIN_ACCESS_DENIED',
  TIMEOUT: 'PLUGIN_TIMEOUT',
  THROTTLED: 'PLUGIN_THROTTLED',
  ERROR: 'PLUGIN_ERROR',
};
