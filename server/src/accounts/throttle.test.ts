import { describe, expect, it } from 'vitest';
import { isNetwork, TrustedNetworks } from '../networks.js';
import {
  afterAttempt,
  afterSuccess,
  attemptKeys,
  freshState,
  judgeAttempt,
  type KeyState,
  nextAllowedAt,
  defaultThrottlePolicy as policy,
} from './throttle.js';

const none = new TrustedNetworks([]);

/** Plays attempts at `now` against in-memory states, as the stores do atomically. */
function world() {
  const states = new Map<string, KeyState>();
  return {
    states,
    attempt(keys: ReturnType<typeof attemptKeys>, now: number, right = false) {
      const decision = judgeAttempt(keys, states, now, policy);
      if (decision.waitMs > 0) return decision.waitMs;
      for (const key of decision.counted)
        states.set(key.id, afterAttempt(states.get(key.id) ?? freshState, now, policy));
      if (right) {
        for (const key of decision.counted) {
          states.set(key.id, afterSuccess(states.get(key.id) ?? freshState, key.kind, now));
        }
      }
      return 0;
    },
  };
}

describe('login throttle policy', () => {
  it('gives five free attempts per account and address, then backs off 1 s, 2 s, 4 s … up to 15 minutes', () => {
    const w = world();
    const keys = attemptKeys('#1', '203.0.113.9', none);
    let now = 1_000_000;
    for (let i = 0; i < 5; i++) expect(w.attempt(keys, now)).toBe(0);
    expect(w.attempt(keys, now)).toBe(1000);
    now += 1000;
    expect(w.attempt(keys, now)).toBe(0);
    expect(w.attempt(keys, now)).toBe(2000);
    now += 2000;
    expect(w.attempt(keys, now)).toBe(0);
    expect(w.attempt(keys, now)).toBe(4000);
    const many: KeyState = { failures: 40, lastAt: now, knownAt: null };
    expect(nextAllowedAt(many, 'account-ip', now, policy) - now).toBe(policy.maxDelayMs);
    // a key left alone for a window starts afresh
    expect(w.attempt(keys, now + policy.windowMs + 1)).toBe(0);
  });

  it('counts before judging, so a burst gets no more guesses than a slow attacker', () => {
    const w = world();
    const keys = attemptKeys('#1', '203.0.113.9', none);
    const answers = Array.from({ length: 30 }, () => w.attempt(keys, 5_000));
    expect(answers.filter((wait) => wait === 0)).toHaveLength(5);
  });

  it('does not lock the owner out from an address they have logged in from, whatever strangers try', () => {
    const w = world();
    const home = attemptKeys('#1', '198.51.100.7', none);
    expect(w.attempt(home, 1_000, true)).toBe(0);
    // attackers from 40 addresses guess on the same account
    for (let i = 0; i < 40; i++) w.attempt(attemptKeys('#1', `203.0.113.${i}`, none), 2_000);
    expect(w.attempt(attemptKeys('#1', '203.0.113.200', none), 2_000)).toBeGreaterThan(0);
    expect(w.attempt(home, 2_000, true)).toBe(0);
  });

  it('judges a trusted network by the account-from-this-address counter alone', () => {
    const trusted = new TrustedNetworks(['10.0.0.0/8', '2001:db8::/32']);
    expect(trusted.contains('10.1.2.3')).toBe(true);
    expect(trusted.contains('::ffff:10.1.2.3')).toBe(true);
    expect(trusted.contains('2001:db8::1')).toBe(true);
    expect(trusted.contains('11.0.0.1')).toBe(false);
    expect(attemptKeys('#1', '10.1.2.3', trusted).map((k) => k.kind)).toEqual(['account-ip']);
    expect(attemptKeys('#1', '11.0.0.1', trusted).map((k) => k.kind)).toEqual(['account-ip', 'account', 'ip']);
    expect(isNetwork('10.0.0.0/8')).toBe(true);
    expect(isNetwork('10.0.0.0/33')).toBe(false);
    expect(isNetwork('example.com')).toBe(false);
  });

  it('stores digests, never the account name or the address', () => {
    const keys = attemptKeys('alice@example.com', '203.0.113.9', none);
    for (const key of keys) {
      expect(key.id).not.toContain('alice');
      expect(key.id).not.toContain('203.0.113.9');
    }
  });
});
