/**
 * A SoftHSM v2 token for tests, in a private SOFTHSM2_CONF directory: keys imported with
 * `softhsm2-util --import` (PKCS#8 PEM), certificates written with pkcs11js `C_CreateObject`.
 * `requirePeer('softhsm2-util')` decides whether the suites run (it skips with the reason, or
 * fails when WHARF_REQUIRE_PEERS=1).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Pkcs11Js from 'pkcs11js';
import { parseCertificate } from '@wharf/notary';
import { requirePeer } from '@wharf/testkit';
import { DEFAULT_MODULE_PATHS } from '../src/config.js';
import { keyPem, mintChain, newKey, type KeyKind, type TestChain } from '../../notary/test/pki.js';

export const softhsmUtil = requirePeer('softhsm2-util');
export const softhsmModule = DEFAULT_MODULE_PATHS.find((p) => existsSync(p));
/** The suites run when softhsm2-util is installed (its package ships the module). */
export const haveSoftHsm = softhsmUtil !== undefined;
if (!haveSoftHsm) {
  process.stderr.write(
    'skipping the notation-pkcs11 SoftHSM tests: softhsm2-util is not installed (apt softhsm2, `npm run peers`)\n',
  );
}

export const TOKEN = 'wharf-test';
export const PIN = '26157403';
export const SO_PIN = '99887766';

export interface TokenKeyFixture {
  readonly label: string;
  readonly idHex: string;
  /** The key's chain (for `mismatch` and `nocert`, a chain of another key). */
  readonly chain: TestChain;
  readonly uri: string;
}

export interface SoftHsm {
  readonly dir: string;
  readonly conf: string;
  readonly module: string;
  readonly keys: Readonly<Record<string, TokenKeyFixture>>;
}

function certObject(
  lib: Pkcs11Js.PKCS11,
  P: typeof Pkcs11Js,
  session: Buffer,
  der: Uint8Array,
  label: string,
  idHex: string,
): void {
  const cert = parseCertificate(der);
  lib.C_CreateObject(session, [
    { type: P.CKA_CLASS, value: P.CKO_CERTIFICATE },
    { type: P.CKA_CERTIFICATE_TYPE, value: P.CKC_X_509 },
    { type: P.CKA_TOKEN, value: true },
    { type: P.CKA_PRIVATE, value: false },
    { type: P.CKA_LABEL, value: label },
    { type: P.CKA_ID, value: Buffer.from(idHex, 'hex') },
    { type: P.CKA_SUBJECT, value: Buffer.from(cert.subjectDer) },
    { type: P.CKA_ISSUER, value: Buffer.from(cert.issuerDer) },
    { type: P.CKA_VALUE, value: Buffer.from(der) },
  ]);
}

/**
 * Initialises a token holding: `rsa` (RSA-3072), `p256`, `p384` with leaf, intermediate and root
 * certificates; `mismatch` (P-256) whose stored leaf certifies a different key; `nocert` (P-256)
 * with no certificate. Sets process.env.SOFTHSM2_CONF for the plugin processes.
 */
export function createSoftHsm(): SoftHsm {
  if (softhsmModule === undefined) {
    throw new Error(
      `softhsm2-util is installed but its module is not in ${DEFAULT_MODULE_PATHS.join(', ')}`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'wharf-softhsm-'));
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  process.env['SOFTHSM2_CONF'] = conf;
  const util = (args: string[]): void => {
    execFileSync(softhsmUtil as string, args, { env: process.env, stdio: 'pipe' });
  };
  util(['--init-token', '--free', '--label', TOKEN, '--so-pin', SO_PIN, '--pin', PIN]);
  const specs: [string, KeyKind, string][] = [
    ['rsa', 'rsa3072', '01'],
    ['p256', 'p256', '02'],
    ['p384', 'p384', '03'],
    ['mismatch', 'p256', '04'],
    ['nocert', 'p256', '05'],
  ];
  const keys: Record<string, TokenKeyFixture> = {};
  for (const [label, kind, idHex] of specs) {
    const chain = mintChain(kind);
    // mintChain caches leaf keys per kind: `mismatch` and `nocert` get keys of their own
    const key = label === 'mismatch' || label === 'nocert' ? newKey(kind, true) : chain.leafKey;
    const pemFile = join(dir, `${label}.pem`);
    writeFileSync(pemFile, keyPem(key), { mode: 0o600 });
    util(['--import', pemFile, '--token', TOKEN, '--label', label, '--id', idHex, '--pin', PIN]);
    keys[label] = { label, idHex, chain, uri: `pkcs11:token=${TOKEN};object=${label}` };
  }
  const P = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11Js;
  const lib = new P.PKCS11();
  lib.load(softhsmModule);
  lib.C_Initialize();
  try {
    const slot = lib
      .C_GetSlotList(true)
      .find((s) => lib.C_GetTokenInfo(s).label.trimEnd() === TOKEN) as Buffer;
    const session = lib.C_OpenSession(slot, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION);
    lib.C_Login(session, P.CKU_USER, PIN);
    for (const label of ['rsa', 'p256', 'p384']) {
      const k = keys[label] as TokenKeyFixture;
      const [leaf, intermediate, root] = k.chain.chain;
      certObject(lib, P, session, leaf as Uint8Array, label, k.idHex);
      certObject(lib, P, session, intermediate as Uint8Array, `${label}-ca`, `${k.idHex}ca`);
      certObject(lib, P, session, root as Uint8Array, `${label}-root`, `${k.idHex}ff`);
    }
    // the leaf stored for `mismatch` certifies p256's key, not the one imported as `mismatch`
    const wrong = keys['p256'] as TokenKeyFixture;
    certObject(lib, P, session, wrong.chain.chain[0] as Uint8Array, 'mismatch', '04');
    lib.C_Logout(session);
    lib.C_CloseSession(session);
  } finally {
    lib.C_Finalize();
  }
  return { dir, conf, module: softhsmModule, keys };
}
