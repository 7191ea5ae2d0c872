import { describe, expect, it } from 'vitest';
import { ContentError, DocumentError, WharfError, isWharfError } from './errors.js';

describe('isWharfError', () => {
  it('recognises Wharf errors and their codes', () => {
    const err = new ContentError('NOT_FOUND', 'missing');
    expect(isWharfError(err)).toBe(true);
    expect(isWharfError(err, 'NOT_FOUND')).toBe(true);
    expect(isWharfError(err, 'DIGEST_MISMATCH')).toBe(false);
    expect(isWharfError(new DocumentError('FIELD_MISSING', 'x'), 'FIELD_MISSING')).toBe(true);
  });

  it('does not mistake Node system errors or plain objects for Wharf errors', () => {
    const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT', errno: -2 });
    expect(isWharfError(enoent)).toBe(false);
    expect(isWharfError({ code: 'NOT_FOUND', message: 'x' })).toBe(false);
    expect(isWharfError(null)).toBe(false);
  });

  it('works across copies of the package (the brand is process-global)', () => {
    const foreign = Object.assign(new Error('from another copy'), {
      code: 'NOT_FOUND',
      [Symbol.for('wharf.error')]: true,
    });
    expect(isWharfError(foreign, 'NOT_FOUND')).toBe(true);
  });

  it('keeps the cause, name and detail', () => {
    const cause = new Error('root');
    const err = new WharfError('X', 'outer', { cause, detail: { field: 'a' } });
    expect(err.cause).toBe(cause);
    expect(err.name).toBe('WharfError');
    expect(err.detail).toEqual({ field: 'a' });
    expect(new ContentError('ABORTED', 'a').name).toBe('ContentError');
  });
});
