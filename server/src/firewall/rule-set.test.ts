import { describe, expect, it } from 'vitest';
import { type Network, parseAddress, parseNetwork } from './address.js';
import { type CompiledRule, RuleSet, RuleType, Verdict } from './rule-set.js';

function network(text: string): Network {
  const parsed = parseNetwork(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

function rule(ip: string, type: number, expires: number | null = null, ban = false): CompiledRule {
  return { network: network(ip), type, expires, ban };
}

describe('addresses', () => {
  it('reads IPv4, IPv6, IPv4-mapped IPv6 and zone ids; refuses the rest', () => {
    const out = new Uint32Array(4);
    expect(parseAddress('192.168.1.20', out)).toBe(4);
    expect(out[0]).toBe(0xc0a80114);
    expect(parseAddress('::ffff:10.0.0.1', out)).toBe(4);
    expect(out[0]).toBe(0x0a000001);
    expect(parseAddress('2001:db8::1', out)).toBe(6);
    expect([...out]).toEqual([0x20010db8, 0, 0, 1]);
    expect(parseAddress('fe80::1%eth0', out)).toBe(6);
    expect(parseAddress('::', out)).toBe(6);
    expect([...out]).toEqual([0, 0, 0, 0]);
    expect(parseAddress('1:2:3:4:5:6:7:8', out)).toBe(6);
    expect([...out]).toEqual([0x10002, 0x30004, 0x50006, 0x70008]);
    expect(parseAddress('64:ff9b::192.0.2.33', out)).toBe(6);
    expect(out[3]).toBe(0xc0000221);
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.256',
      '1.2.3.4.5',
      'a.b.c.d',
      '1::2::3',
      '12345::',
      ':1',
      '1:2:3:4:5:6:7:8:9',
    ]) {
      expect(parseAddress(bad, out), bad).toBe(0);
    }
  });

  it('reads rules as networks in canonical form and explains what is wrong', () => {
    expect(network('10.0.0.0/8').text).toBe('10.0.0.0/8');
    expect(network('203.0.113.7').text).toBe('203.0.113.7');
    expect(network('2001:DB8:0:0::/32').text).toBe('2001:db8::/32');
    expect(network('::/0').prefix).toBe(0);
    expect(network('::ffff:10.0.0.0/104')).toMatchObject({ family: 4, prefix: 8, text: '10.0.0.0/8' });
    expect(parseNetwork('10.1.2.3/8')).toMatch(/bits set beyond its \/8 prefix/);
    expect(parseNetwork('10.0.0.0/33')).toMatch(/prefix length must be 0 to 32/);
    expect(parseNetwork('300.1.1.1')).toMatch(/not an IPv4 or IPv6 address/);
    expect(parseNetwork('10.0.0.0/')).toMatch(/no valid prefix length/);
    expect(parseNetwork('example.com')).toMatch(/not an IPv4 or IPv6/);
  });
});

describe('the rule set', () => {
  const now = 1_000_000;

  it('passes everything when empty', () => {
    expect(RuleSet.empty.check('1.2.3.4', now)).toBe(Verdict.pass);
  });

  it('denies covered addresses of both families, until the rule expires', () => {
    const set = new RuleSet([
      rule('10.0.0.0/8', RuleType.deny),
      rule('203.0.113.7', RuleType.deny, now + 500, true),
      rule('2001:db8::/32', RuleType.deny, now + 100),
    ]);
    expect(set.check('10.200.3.4', now)).toBe(Verdict.denied);
    expect(set.deniedUntil).toBe(Number.POSITIVE_INFINITY);
    expect(set.check('11.0.0.1', now)).toBe(Verdict.pass);
    expect(set.check('203.0.113.7', now)).toBe(Verdict.denied);
    expect(set.deniedByBan).toBe(true);
    expect(set.deniedUntil).toBe(now + 500);
    expect(set.check('203.0.113.7', now + 500)).toBe(Verdict.pass);
    expect(set.check('203.0.113.8', now)).toBe(Verdict.pass);
    expect(set.check('2001:db8:1::5', now)).toBe(Verdict.denied);
    expect(set.check('2001:db8:1::5', now + 100)).toBe(Verdict.pass);
    expect(set.check('::ffff:10.9.9.9', now)).toBe(Verdict.denied);
    expect(set.check('not an address', now)).toBe(Verdict.pass);
  });

  it('lets an allow rule win over every deny rule covering the same address', () => {
    const set = new RuleSet([
      rule('0.0.0.0/0', RuleType.deny),
      rule('198.51.100.0/24', RuleType.allow),
      rule('198.51.100.9', RuleType.deny, null, true),
      rule('192.0.2.1', RuleType.allow, now + 10),
    ]);
    expect(set.check('198.51.100.9', now)).toBe(Verdict.allowed);
    expect(set.check('8.8.8.8', now)).toBe(Verdict.deniedAll);
    expect(set.check('192.0.2.1', now)).toBe(Verdict.allowed);
    expect(set.check('192.0.2.1', now + 10)).toBe(Verdict.deniedAll);
    // the IPv4 deny-all says nothing about IPv6
    expect(set.check('2001:db8::1', now)).toBe(Verdict.pass);
  });

  it('finds the one matching rule among thousands by walking bits, not rules', () => {
    const rules: CompiledRule[] = [];
    for (let i = 0; i < 5000; i++) rules.push(rule(`100.${(i >> 8) & 255}.${i & 255}.1`, RuleType.deny, null, true));
    const set = new RuleSet(rules);
    expect(set.check('100.19.135.1', now)).toBe(Verdict.denied);
    expect(set.check('100.19.135.2', now)).toBe(Verdict.pass);
    // the cost of a lookup does not grow with the number of rules (a scan of 5000 would be ~500× a scan of 10)
    const few = new RuleSet(rules.slice(0, 10));
    const fastest = (target: RuleSet) => {
      let best = Number.POSITIVE_INFINITY;
      for (let round = 0; round < 7; round++) {
        const started = performance.now();
        for (let i = 0; i < 20_000; i++) target.check('100.19.135.2', now);
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    fastest(set);
    expect(fastest(set) / fastest(few)).toBeLessThan(10);
  });
});
