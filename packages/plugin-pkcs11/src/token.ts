/**
 * The PKCS#11 side, through PeculiarVentures' `pkcs11js` native binding: load the module, find
 * the token and the private key a key id names, read the certificates stored next to it, and
 * sign a digest on the token (the key never leaves it).
 * @module
 */
import { createRequire } from 'node:module';
import type * as Pkcs11Js from 'pkcs11js';
import type { AlgorithmInfo, KeySpec } from '@wharf/notary';
import { Pkcs11PluginError, pluginError } from './errors.js';
import type { Pkcs11Uri } from './uri.js';

type Binding = typeof Pkcs11Js;
type Handle = Pkcs11Js.Handle;

let binding: Binding | undefined;

/** pkcs11js is CommonJS and its constants are set by the native addon: load it with require. */
function p11(): Binding {
  binding ??= createRequire(import.meta.url)('pkcs11js') as Binding;
  return binding;
}

/** Return values that mean the PIN was refused or cannot be used. */
const PIN_ERRORS = new Set([
  'CKR_PIN_INCORRECT',
  'CKR_PIN_INVALID',
  'CKR_PIN_LEN_RANGE',
  'CKR_PIN_EXPIRED',
  'CKR_PIN_LOCKED',
]);

/** A PKCS#11 failure as a plugin error: the `CKR_*` name and what was being done. */
function wrap(err: unknown, doing: string): Pkcs11PluginError {
  if (err instanceof Pkcs11PluginError) return err;
  const name = err instanceof Error ? err.message.split('\n')[0] : String(err);
  if (name !== undefined && PIN_ERRORS.has(name)) {
    return new Pkcs11PluginError('ACCESS_DENIED', `${doing}: the token refused the PIN (${name})`);
  }
  return new Pkcs11PluginError('ERROR', `${doing}: ${name ?? 'unknown PKCS#11 error'}`, {
    cause: err,
  });
}

function call<T>(doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw wrap(err, doing);
  }
}

/** OIDs (DER, hex) of the curves in CKA_EC_PARAMS. */
const CURVES: Readonly<Record<string, KeySpec>> = {
  '06082a8648ce3d030107': 'EC-256',
  '06052b81040022': 'EC-384',
  '06052b81040023': 'EC-521',
};

function trimPadded(s: string): string {
  return s.replace(/[ \0]+$/, '');
}

/** The private key a key id names, and what identifies its certificate. */
export interface TokenKey {
  readonly handle: Handle;
  readonly keySpec: KeySpec;
  readonly label: string;
  readonly id: Buffer;
}

/** An open, logged-in session on the token a key id names. Close it with {@link close}. */
export class TokenSession {
  readonly #lib: Pkcs11Js.PKCS11;
  readonly #session: Handle;
  readonly tokenLabel: string;

  private constructor(lib: Pkcs11Js.PKCS11, session: Handle, tokenLabel: string) {
    this.#lib = lib;
    this.#session = session;
    this.tokenLabel = tokenLabel;
  }

  /**
   * Loads the module, selects the one token matching the URI's token attributes, opens a
   * session and logs in as the user.
   *
   * @throws Pkcs11PluginError `VALIDATION_ERROR` (no or several matching tokens) |
   *   `ACCESS_DENIED` (PIN refused) | `ERROR` (module failure)
   */
  static open(modulePath: string, uri: Pkcs11Uri, pin: string): TokenSession {
    const P = p11();
    const lib = new P.PKCS11();
    call(`loading the PKCS#11 module ${modulePath}`, () => lib.load(modulePath));
    call('C_Initialize', () => lib.C_Initialize());
    let session: Handle | undefined;
    try {
      const slots = call('listing the slots', () => lib.C_GetSlotList(true));
      const matches: { slot: Handle; label: string }[] = [];
      const present: string[] = [];
      for (const slot of slots) {
        const info = call('reading token information', () => lib.C_GetTokenInfo(slot));
        // an uninitialised token (SoftHSM always offers one) holds no keys
        if ((info.flags & P.CKF_TOKEN_INITIALIZED) === 0) continue;
        const label = trimPadded(info.label);
        present.push(JSON.stringify(label));
        if (uri.token !== undefined && label !== uri.token) continue;
        if (uri.manufacturer !== undefined && trimPadded(info.manufacturerID) !== uri.manufacturer)
          continue;
        if (uri.model !== undefined && trimPadded(info.model) !== uri.model) continue;
        if (uri.serial !== undefined && trimPadded(info.serialNumber) !== uri.serial) continue;
        matches.push({ slot, label });
      }
      const wanted = uri.token === undefined ? 'the key id' : `token=${uri.token}`;
      if (matches.length === 0) {
        pluginError(
          'VALIDATION_ERROR',
          `no token matches ${wanted} (initialised tokens: ${present.length === 0 ? 'none' : present.join(', ')})`,
        );
      }
      if (matches.length > 1) {
        pluginError(
          'VALIDATION_ERROR',
          `${matches.length} tokens match ${wanted}: add token=, serial= or model= to the key id`,
        );
      }
      const { slot, label } = matches[0] as { slot: Handle; label: string };
      const s = call('C_OpenSession', () => lib.C_OpenSession(slot, P.CKF_SERIAL_SESSION));
      session = s;
      try {
        lib.C_Login(s, P.CKU_USER, pin);
      } catch (err) {
        const e = wrap(err, `logging in to token ${JSON.stringify(label)}`);
        if (!e.message.includes('CKR_USER_ALREADY_LOGGED_IN')) throw e;
      }
      return new TokenSession(lib, s, label);
    } catch (err) {
      if (session !== undefined) {
        try {
          lib.C_CloseSession(session);
        } catch {
          // closing after a failure: the first error is the one to report
        }
      }
      try {
        lib.C_Finalize();
      } catch {
        // as above
      }
      throw err;
    }
  }

  /** Logs out, closes the session and finalizes the module (errors on the way out are ignored). */
  close(): void {
    for (const step of [
      () => this.#lib.C_Logout(this.#session),
      () => this.#lib.C_CloseSession(this.#session),
      () => this.#lib.C_Finalize(),
    ]) {
      try {
        step();
      } catch {
        // best effort: the signature, or the first error, is already decided
      }
    }
  }

  #find(template: Pkcs11Js.Template): Handle[] {
    const lib = this.#lib;
    return call('searching the token', () => {
      lib.C_FindObjectsInit(this.#session, template);
      try {
        const out: Handle[] = [];
        for (;;) {
          const batch = lib.C_FindObjects(this.#session, 64);
          if (batch.length === 0) return out;
          out.push(...batch);
        }
      } finally {
        lib.C_FindObjectsFinal(this.#session);
      }
    });
  }

  #attrs(handle: Handle, types: readonly number[]): (Buffer | undefined)[] {
    const res = call('reading object attributes', () =>
      this.#lib.C_GetAttributeValue(
        this.#session,
        handle,
        types.map((type) => ({ type })),
      ),
    );
    return res.map((a) => (Buffer.isBuffer(a.value) ? a.value : undefined));
  }

  /**
   * The one private key matching the URI's `object`/`id`, with its key spec.
   *
   * @throws Pkcs11PluginError `VALIDATION_ERROR` (none, several, or an unsupported key)
   */
  findKey(uri: Pkcs11Uri): TokenKey {
    const P = p11();
    const template: Pkcs11Js.Template = [{ type: P.CKA_CLASS, value: P.CKO_PRIVATE_KEY }];
    if (uri.object !== undefined) template.push({ type: P.CKA_LABEL, value: uri.object });
    if (uri.id !== undefined) template.push({ type: P.CKA_ID, value: Buffer.from(uri.id) });
    const found = this.#find(template);
    const what = [
      uri.object === undefined ? '' : `object=${JSON.stringify(uri.object)}`,
      uri.id === undefined ? '' : `id=${Buffer.from(uri.id).toString('hex')}`,
    ]
      .filter(Boolean)
      .join(' ');
    if (found.length === 0) {
      pluginError(
        'VALIDATION_ERROR',
        `no private key ${what} on token ${JSON.stringify(this.tokenLabel)}`,
      );
    }
    if (found.length > 1) {
      pluginError(
        'VALIDATION_ERROR',
        `${found.length} private keys match ${what} on token ${JSON.stringify(this.tokenLabel)}: add id= to the key id`,
      );
    }
    const handle = found[0] as Handle;
    const [keyType, label, id] = this.#attrs(handle, [P.CKA_KEY_TYPE, P.CKA_LABEL, P.CKA_ID]);
    const type = keyType === undefined ? -1 : keyType.readUIntLE(0, Math.min(keyType.length, 6));
    let keySpec: KeySpec;
    if (type === P.CKK_RSA) {
      const [modulus] = this.#attrs(handle, [P.CKA_MODULUS]);
      const bits = modulus === undefined ? 0 : bitLength(modulus);
      if (bits !== 2048 && bits !== 3072 && bits !== 4096) {
        pluginError(
          'VALIDATION_ERROR',
          `private key ${what} is RSA-${bits}; Notary signing supports RSA 2048, 3072 and 4096`,
        );
      }
      keySpec = `RSA-${bits}`;
    } else if (type === P.CKK_EC) {
      const [params] = this.#attrs(handle, [P.CKA_EC_PARAMS]);
      const spec = params === undefined ? undefined : CURVES[params.toString('hex')];
      if (spec === undefined) {
        pluginError(
          'VALIDATION_ERROR',
          `private key ${what} is on an EC curve Notary signing does not support (P-256, P-384, P-521)`,
        );
      }
      keySpec = spec;
    } else {
      pluginError(
        'VALIDATION_ERROR',
        `private key ${what} is neither RSA nor EC (PKCS#11 key type ${type})`,
      );
    }
    return {
      handle,
      keySpec,
      label: label === undefined ? '' : label.toString('utf8'),
      id: id ?? Buffer.alloc(0),
    };
  }

  /** Every X.509 certificate object on the token, with its CKA_ID and CKA_LABEL. */
  certificates(): { der: Buffer; id: Buffer; label: string }[] {
    const P = p11();
    return this.#find([
      { type: P.CKA_CLASS, value: P.CKO_CERTIFICATE },
      { type: P.CKA_CERTIFICATE_TYPE, value: P.CKC_X_509 },
    ]).map((h) => {
      const [der, id, label] = this.#attrs(h, [P.CKA_VALUE, P.CKA_ID, P.CKA_LABEL]);
      return {
        der: der ?? Buffer.alloc(0),
        id: id ?? Buffer.alloc(0),
        label: label === undefined ? '' : label.toString('utf8'),
      };
    });
  }

  /**
   * Signs a digest on the token: RSASSA-PSS (MGF1 with the same hash, salt = hash length) or
   * ECDSA, whose PKCS#11 output is already the raw `r||s` the envelopes carry.
   *
   * @throws Pkcs11PluginError `ERROR` (the token failed)
   */
  signDigest(key: TokenKey, info: AlgorithmInfo, digest: Buffer): Buffer {
    const P = p11();
    let mechanism: Pkcs11Js.Mechanism;
    let size: number;
    if (info.ecSignatureLength === undefined) {
      const [hashAlg, mgf] =
        info.hash === 'SHA-256'
          ? [P.CKM_SHA256, P.CKG_MGF1_SHA256]
          : info.hash === 'SHA-384'
            ? [P.CKM_SHA384, P.CKG_MGF1_SHA384]
            : [P.CKM_SHA512, P.CKG_MGF1_SHA512];
      const params: Pkcs11Js.RsaPSS = {
        type: P.CK_PARAMS_RSA_PSS,
        hashAlg,
        mgf,
        saltLen: info.hashLength,
      };
      mechanism = { mechanism: P.CKM_RSA_PKCS_PSS, parameter: params };
      size = Number(key.keySpec.slice(4)) / 8;
    } else {
      mechanism = { mechanism: P.CKM_ECDSA };
      size = info.ecSignatureLength;
    }
    return call(`signing with ${key.keySpec} key ${JSON.stringify(key.label)}`, () => {
      this.#lib.C_SignInit(this.#session, mechanism, key.handle);
      return Buffer.from(this.#lib.C_Sign(this.#session, digest, Buffer.alloc(size)));
    });
  }
}

function bitLength(unsignedBigEndian: Buffer): number {
  let i = 0;
  while (i < unsignedBigEndian.length && unsignedBigEndian[i] === 0) i++;
  if (i === unsignedBigEndian.length) return 0;
  return (unsignedBigEndian.length - i - 1) * 8 + (32 - Math.clz32(unsignedBigEndian[i] as number));
}
