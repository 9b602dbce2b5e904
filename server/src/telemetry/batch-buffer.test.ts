import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { BatchBuffer } from './batch-buffer.js';

const logger = pino({ level: 'silent' });

describe('batch buffer', () => {
  it('writes in batches of the configured size, in order', async () => {
    const written: number[][] = [];
    const buffer = new BatchBuffer<number>({
      write: async (b) => void written.push(b),
      logger,
      what: 'n',
      batchSize: 3,
    });
    for (let i = 0; i < 7; i++) buffer.record(i);
    await buffer.flush();
    expect(written.flat()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(written.every((b) => b.length <= 3)).toBe(true);
    await buffer.close();
  });

  it('keeps a batch whose write failed and writes it on the next flush', async () => {
    let fail = true;
    const written: number[] = [];
    const buffer = new BatchBuffer<number>({
      write: async (b) => {
        if (fail) throw new Error('database down');
        written.push(...b);
      },
      logger,
      what: 'n',
    });
    buffer.record(1);
    buffer.record(2);
    await expect(buffer.flush()).rejects.toThrow('database down');
    expect(buffer.pending).toBe(2);
    fail = false;
    await buffer.flush();
    expect(written).toEqual([1, 2]);
    expect(buffer.pending).toBe(0);
    await buffer.close();
  });

  it('drops the oldest entries beyond its bound and counts them', async () => {
    const written: number[] = [];
    const buffer = new BatchBuffer<number>({
      write: async (b) => void written.push(...b),
      logger,
      what: 'n',
      maxBuffered: 3,
      batchSize: 100,
    });
    for (let i = 0; i < 5; i++) buffer.record(i);
    expect(buffer.dropped).toBe(2);
    await buffer.close();
    expect(written).toEqual([2, 3, 4]);
  });
});
