import { MEDIA_TYPE_COSE, MEDIA_TYPE_JWS } from '@wharf/core';
import { algorithmForKey, verifyWithKey } from '../algorithms.js';
import { parseCertificate, validateCertificateChain, type Certificate } from '../cert.js';
import { NotaryError, errorMessage } from '../errors.js';
import { parseCoseEnvelope } from './cose.js';
import { parseJwsEnvelope } from './jws.js';
import type { EnvelopeFormat, EnvelopeMediaType, ParsedEnvelope } from './types.js';

/** Media type for a format name. */
export function envelopeMediaType(format: EnvelopeFormat): EnvelopeMediaType {
  return format === 'jws' ? MEDIA_TYPE_JWS : MEDIA_TYPE_COSE;
}

/**
 * Parses an envelope selected by media type (`application/jose+json` or `application/cose`).
 *
 * @throws NotaryError `ENVELOPE_MALFORMED` | `UNSUPPORTED_ALGORITHM`
 */
export function parseEnvelope(bytes: Uint8Array, mediaType: string): ParsedEnvelope {
  if (mediaType === MEDIA_TYPE_JWS) return parseJwsEnvelope(bytes);
  if (mediaType === MEDIA_TYPE_COSE) return parseCoseEnvelope(bytes);
  throw new NotaryError(
    'ENVELOPE_MALFORMED',
    `unsupported signature envelope media type ${JSON.stringify(mediaType)}`,
  );
}

/**
 * The integrity step (notary.md §1.6): parses the chain, checks the Notary certificate rules
 * (without time), checks that the leaf key decides the declared algorithm, and verifies the
 * signature over the exact signed bytes. Returns the parsed chain.
 *
 * @throws NotaryError `CERT_INVALID` | `CERT_CHAIN_INVALID` | `UNSUPPORTED_ALGORITHM` | `SIGNATURE_INVALID`
 */
export function verifyEnvelopeSignature(env: ParsedEnvelope): Certificate[] {
  const chain = env.certificateChain.map((der) => parseCertificate(der));
  const leaf = chain[0];
  if (!leaf) throw new NotaryError('CERT_CHAIN_INVALID', 'certificate chain is empty');
  let derived;
  try {
    derived = algorithmForKey(leaf.publicKey);
  } catch (err) {
    throw new NotaryError(
      'UNSUPPORTED_ALGORITHM',
      `signing certificate key: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  if (derived.algorithm !== env.algorithm) {
    throw new NotaryError(
      'UNSUPPORTED_ALGORITHM',
      `algorithm check: signing key ${derived.keySpec} requires ${derived.algorithm} but the envelope declares ${env.algorithm}`,
    );
  }
  const ok = verifyWithKey(leaf.publicKey, env.algorithm, env.signedInput, env.signature, {
    anyPssSaltLength: env.mediaType === MEDIA_TYPE_JWS,
  });
  if (!ok)
    throw new NotaryError(
      'SIGNATURE_INVALID',
      'signature is invalid: the signature does not verify with the signing certificate key',
    );
  validateCertificateChain(chain, 'codeSigning');
  return chain;
}

export * from './types.js';
export { parseJwsEnvelope, prepareJws, MAX_ENVELOPE_BYTES, type JwsSigningInput } from './jws.js';
export {
  parseCoseEnvelope,
  prepareCose,
  coseSigStructure,
  COSE_LABEL,
  type CoseSigningInput,
} from './cose.js';
