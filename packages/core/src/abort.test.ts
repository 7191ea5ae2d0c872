import { describe, expect, it } from 'vitest';
import { abortableSleep } from './abort.js';
import { ContentError } from './errors.js';

const make = (s: AbortSignal): Error => new ContentError('ABORTED', 'aborted', { cause: s.reason });

describe('abortableSleep', () => {
  it('resolves after the delay', async () => {
    const start = Date.now();
    await abortableSleep(20, undefined, make);
    expect(Date.now() - start).toBeGreaterThanOrEqual(15);
  });

  it('rejects at once with the caller’s error when the signal has already fired', async () => {
    const c = new AbortController();
    c.abort('stop');
    await expect(abortableSleep(10_000, c.signal, make)).rejects.toMatchObject({
      code: 'ABORTED',
      cause: 'stop',
    });
  });

  it('rejects as soon as the signal fires during the wait', async () => {
    const c = new AbortController();
    const p = abortableSleep(10_000, c.signal, make);
    setTimeout(() => c.abort('late'), 10);
    const start = Date.now();
    await expect(p).rejects.toMatchObject({ code: 'ABORTED', cause: 'late' });
    expect(Date.now() - start).toBeLessThan(5_000);
  });
});
