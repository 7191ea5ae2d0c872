import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modulePath, resolvePin } from './config.js';
import { Pkcs11PluginError } from './errors.js';

function failure(fn: () => unknown): Pkcs11PluginError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Pkcs11PluginError);
    return err as Pkcs11PluginError;
  }
  throw new Pkcs11PluginError('ERROR', 'expected a failure');
}

describe('resolvePin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-p11-pin-'));
  const pinFile = join(dir, 'pin');
  writeFileSync(pinFile, '4711\n');

  it('takes pin, pin-source=env:NAME and pin-source=file:PATH (one trailing newline dropped)', () => {
    expect(resolvePin({ pin: '1234' }, {})).toBe('1234');
    expect(resolvePin({ 'pin-source': 'env:HSM_PIN' }, { HSM_PIN: '9999' })).toBe('9999');
    expect(resolvePin({ 'pin-source': `file:${pinFile}` }, {})).toBe('4711');
  });

  it('refuses missing, doubled, empty and malformed PIN settings without showing the PIN', () => {
    expect(failure(() => resolvePin({}, {})).message).toMatch(/PIN is required/);
    const both = failure(() => resolvePin({ pin: '5150', 'pin-source': 'env:X' }, { X: '1' }));
    expect(both.message).toMatch(/both pin and pin-source/);
    expect(both.message).not.toContain('5150');
    expect(failure(() => resolvePin({ pin: '' }, {})).message).toMatch(/pin is empty/);
    expect(failure(() => resolvePin({ 'pin-source': 'env:NOPE' }, {})).message).toMatch(
      /NOPE is not set/,
    );
    expect(failure(() => resolvePin({ 'pin-source': 'env:1-x' }, {})).message).toMatch(
      /does not name a variable/,
    );
    expect(failure(() => resolvePin({ 'pin-source': 'file:pin.txt' }, {})).message).toMatch(
      /absolute path/,
    );
    const unreadable = failure(() => resolvePin({ 'pin-source': `file:${dir}/missing` }, {}));
    expect(unreadable.code).toBe('ACCESS_DENIED');
    expect(failure(() => resolvePin({ 'pin-source': 'vault:x' }, {})).message).toMatch(
      /env:<VARIABLE> or file:/,
    );
  });
});

describe('modulePath', () => {
  it('takes an absolute existing module, else the first default that exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-p11-mod-'));
    const so = join(dir, 'lib.so');
    writeFileSync(so, '');
    expect(modulePath({ module: so })).toBe(so);
    expect(modulePath({}, [join(dir, 'none.so'), so])).toBe(so);
    expect(failure(() => modulePath({ module: 'lib.so' })).message).toMatch(/absolute path/);
    expect(failure(() => modulePath({ module: join(dir, 'x.so') })).message).toMatch(
      /does not exist/,
    );
    expect(failure(() => modulePath({}, [join(dir, 'none.so')])).message).toMatch(
      /set pluginConfig module=/,
    );
  });
});
