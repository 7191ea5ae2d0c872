import { describe, expect, it } from 'vitest';
import type { Descriptor } from '@wharf/core';
import { ReferrersState, type TagIndexChange } from './referrers.js';

const desc = (n: number): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).padStart(64, '0')}`,
  size: n,
});

describe('ReferrersState batches tag index writes', () => {
  it('puts changes queued while the tag is locked into one write, in arrival order', async () => {
    const state = new ReferrersState('tag');
    const writes: string[][] = [];
    const write = (changes: readonly TagIndexChange[]): Promise<boolean> => {
      writes.push(changes.map((c) => ('add' in c ? `+${c.add.size}` : `-${c.remove.slice(-1)}`)));
      return Promise.resolve(true);
    };
    let release!: () => void;
    const held = state.withLock('t', () => new Promise<void>((r) => (release = r)));
    const a = state.enqueue('t', { add: desc(1) }, write);
    const b = state.enqueue('t', { add: desc(2) }, write);
    const c = state.enqueue('t', { remove: desc(3).digest }, write);
    expect(b).toBe(a);
    expect(c).toBe(a);
    // Another tag has its own queue and lock.
    const other = state.enqueue('u', { add: desc(4) }, write);
    expect(other).not.toBe(a);
    await other.written;
    expect(writes).toEqual([['+4']]);
    release();
    await held;
    expect(await a.written).toBe(true);
    expect(writes).toEqual([['+4'], ['+1', '+2', '-3']]);
  });

  it('starts a new batch once the waiting one runs, and for a second change of one digest', async () => {
    const state = new ReferrersState('tag');
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const write = async (changes: readonly TagIndexChange[]): Promise<boolean> => {
      seen.push(changes.length);
      await gate;
      return true;
    };
    const first = state.enqueue('t', { add: desc(1) }, write);
    await Promise.resolve();
    await Promise.resolve();
    // `first` holds the lock now: later changes wait in a new batch.
    const second = state.enqueue('t', { add: desc(2) }, write);
    const sameDigest = state.enqueue('t', { remove: desc(2).digest }, write);
    expect(second).not.toBe(first);
    expect(sameDigest).not.toBe(second);
    release();
    await Promise.all([first.written, second.written, sameDigest.written]);
    expect(seen).toEqual([1, 1, 1]);
  });

  it('knows when a later change of the same digest superseded one', () => {
    const state = new ReferrersState('tag');
    const write = (): Promise<boolean> => Promise.resolve(true);
    const add: TagIndexChange = { add: desc(1) };
    const remove: TagIndexChange = { remove: desc(1).digest };
    void state.enqueue('t', add, write);
    expect(state.isNewest('t', add)).toBe(true);
    void state.enqueue('t', remove, write);
    expect(state.isNewest('t', add)).toBe(false);
    expect(state.isNewest('t', remove)).toBe(true);
    state.settle('t', add);
    expect(state.isNewest('t', remove)).toBe(true);
    state.settle('t', remove);
    expect(state.isNewest('t', remove)).toBe(false);
  });
});
