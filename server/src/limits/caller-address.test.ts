import { describe, expect, it } from 'vitest';
import { callerAddress, makeRoom } from './limiter.js';
import { take, WindowCounter } from './sliding-window.js';

describe('the address an anonymous caller is counted under', () => {
  it('is the IPv4 address itself, also when mapped into IPv6', () => {
    expect(callerAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(callerAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('is the /64 network for IPv6, however the address is written', () => {
    const network = '2001:db8:85a3:1::/64';
    expect(callerAddress('2001:db8:85a3:1:8a2e:370:7334:1')).toBe(network);
    expect(callerAddress('2001:0db8:85a3:0001:ffff::2')).toBe(network);
    expect(callerAddress('2001:DB8:85A3:1::9')).toBe(network);
    expect(callerAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(callerAddress('::1')).toBe('0:0:0:0::/64');
  });
});

describe('memory for counters', () => {
  it('drops idle counters first, then the oldest tenth, never growing past the bound', () => {
    const width = 1000;
    const now = 1_000_000;
    const counters = new Map<number | string, WindowCounter>();
    const verdict = { allowed: false, remaining: 0, resetMs: 0 };
    for (let i = 0; i < 10; i++) {
      const counter = new WindowCounter();
      take(counter, 5, width, now - 120_000, verdict); // counted two minutes ago: outside a 60 s window
      counters.set(`idle-${i}`, counter);
    }
    for (let i = 0; i < 10; i++) {
      const counter = new WindowCounter();
      take(counter, 5, width, now, verdict);
      counters.set(`live-${i}`, counter);
    }
    expect(makeRoom(counters, width, now, 15)).toBe(false);
    expect([...counters.keys()].every((k) => String(k).startsWith('live-'))).toBe(true);
    expect(makeRoom(counters, width, now, 10)).toBe(true);
    expect(counters.size).toBe(9);
    expect(counters.has('live-0')).toBe(false);
    expect(counters.has('live-9')).toBe(true);
  });
});
