import { describe, expect, it } from 'vitest';
import { IpcWindows, PrimaryWindows, type TakeReply, type TakeRequest } from './ipc-store.js';
import type { CompiledRate } from './rate-table.js';

const rate = { keyStem: '7:60000:', limit: 3, width: 1000 } as CompiledRate;

describe('rate limit windows counted in the cluster primary', () => {
  it('sends the takes of one event-loop turn as one batch and hands each caller its own verdict', async () => {
    const primary = new PrimaryWindows();
    const batches: TakeRequest[][] = [];
    const windows = new IpcWindows({
      ready: true,
      async takeAll(batch): Promise<TakeReply[]> {
        batches.push(batch);
        return primary.takeAll(batch);
      },
    });
    const verdicts = await Promise.all([
      windows.take(rate, '10.0.0.1'),
      windows.take(rate, '10.0.0.1'),
      windows.take(rate, 42),
      windows.take(rate, '10.0.0.1'),
      windows.take(rate, '10.0.0.1'),
    ]);
    expect(batches).toHaveLength(1);
    expect(verdicts.map((v) => [v.allowed, v.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 2],
      [true, 0],
      [false, 0],
    ]);
    expect(primary.size).toBe(2);
  });

  it('counts several workers against one window, in the order their batches arrive', () => {
    const primary = new PrimaryWindows();
    const now = 1_000_000;
    const fromA = primary.takeAll([['1:60000:', 'u', 2, 1000]], now);
    const fromB = primary.takeAll(
      [
        ['1:60000:', 'u', 2, 1000],
        ['1:60000:', 'u', 2, 1000],
      ],
      now,
    );
    expect([...fromA, ...fromB].map((r) => r[0])).toEqual([1, 1, 0]);
    // a minute and a sub-window later everything has left the window: the caller is forgotten
    primary.sweep(now + 61_001);
    expect(primary.size).toBe(0);
  });

  it('fails every take of a batch the primary did not answer', async () => {
    const windows = new IpcWindows({ ready: true, takeAll: () => Promise.reject(new Error('no answer')) });
    await expect(Promise.all([windows.take(rate, 'a'), windows.take(rate, 'b')])).rejects.toThrow('no answer');
  });
});
