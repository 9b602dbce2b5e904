import { describe, expect, it } from 'vitest';
import { MemoryLoginThrottle, type ThrottleKey } from './throttle.js';

const alice: ThrottleKey = { kind: 'account', id: 'alice' };
const ip: ThrottleKey = { kind: 'ip', id: '10.0.0.1' };

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('MemoryLoginThrottle', () => {
  it('blocks an account after its limit of failures until the oldest leaves the window', async () => {
    const c = clock();
    const throttle = new MemoryLoginThrottle({ windowMs: 60_000, perAccount: 3, perIp: 100 }, c.now);
    for (let i = 0; i < 3; i++) {
      expect(await throttle.blockedFor([alice, ip])).toBe(0);
      await throttle.recordFailure([alice, ip]);
      c.advance(10_000);
    }
    // failures at 0 s, 10 s, 20 s; now 30 s: free again when the first one is 60 s old
    expect(await throttle.blockedFor([alice, ip])).toBe(30);
    expect(await throttle.blockedFor([{ kind: 'account', id: 'bob' }, ip])).toBe(0);
    c.advance(30_000);
    expect(await throttle.blockedFor([alice])).toBe(0);
  });

  it('counts an IP across accounts with its own, higher limit', async () => {
    const throttle = new MemoryLoginThrottle({ windowMs: 60_000, perAccount: 2, perIp: 4 });
    for (let i = 0; i < 4; i++) await throttle.recordFailure([{ kind: 'account', id: `user${i}` }, ip]);
    expect(await throttle.blockedFor([{ kind: 'account', id: 'fresh' }, ip])).toBeGreaterThan(0);
    expect(
      await throttle.blockedFor([
        { kind: 'account', id: 'fresh' },
        { kind: 'ip', id: '10.0.0.2' },
      ]),
    ).toBe(0);
  });

  it('forgets an account after a success, and bounds memory', async () => {
    const c = clock();
    const throttle = new MemoryLoginThrottle({ windowMs: 1000, perAccount: 1, perIp: 10, maxKeys: 3 }, c.now);
    await throttle.recordFailure([alice]);
    expect(await throttle.blockedFor([alice])).toBe(1);
    await throttle.reset([alice]);
    expect(await throttle.blockedFor([alice])).toBe(0);
    for (let i = 0; i < 10; i++) await throttle.recordFailure([{ kind: 'account', id: `k${i}` }]);
    expect(throttle.size).toBe(3);
    c.advance(1001);
    throttle.prune();
    expect(throttle.size).toBe(0);
  });
});
