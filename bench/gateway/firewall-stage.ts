/**
 * The firewall stage's own cost per request, in process (a machine shared with other work moves requests
 * per second by tens of percent, far more than this stage could; nanoseconds per call do not move so much):
 *
 *   node --import tsx bench/gateway/firewall-stage.ts
 *
 * Measures `screenAddress` with no rules (the common case), with 5000 rules that do not cover the client,
 * and with one rule that denies it, plus `noteClientError` on a 200. Compare with the gateway's CPU per
 * request (docs/architecture.md, ~90 µs for the public static operation).
 */
import pino from 'pino';
import { anonymousCaller } from '../../server/src/auth/caller.js';
import type { ChangeWriter } from '../../server/src/changes/unit.js';
import { parseNetwork } from '../../server/src/firewall/address.js';
import { MemoryClientErrors } from '../../server/src/firewall/client-errors.js';
import { Firewall } from '../../server/src/firewall/firewall.js';
import type { FirewallRepository } from '../../server/src/firewall/repository.js';
import { type CompiledRule, RuleType } from '../../server/src/firewall/rule-set.js';
import { noteClientError, screenAddress } from '../../server/src/gateway/firewall.js';

function firewallWith(rules: CompiledRule[]): Firewall {
  const repository = { active: async () => rules } as unknown as FirewallRepository;
  return new Firewall({
    db: undefined as never,
    rules: repository,
    changes: undefined as unknown as ChangeWriter,
    logger: pino({ level: 'silent' }),
    policy: () => ({ maxRetry: 32, findMs: 120_000, banMs: 300_000 }),
    counter: new MemoryClientErrors(),
    trusted: { contains: () => false },
  });
}

function rule(ip: string): CompiledRule {
  const network = parseNetwork(ip);
  if (typeof network === 'string') throw new Error(network);
  return { network, type: RuleType.deny, expires: null, ban: false };
}

function nsPerCall(work: () => void, calls = 2_000_000): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) work();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / calls);
  }
  return best;
}

const empty = firewallWith([]);
const many = firewallWith(Array.from({ length: 5000 }, (_, i) => rule(`100.${(i >> 8) & 255}.${i & 255}.0/24`)));
const denying = firewallWith([rule('203.0.113.0/24')]);
await Promise.all([empty.reload(), many.reload(), denying.reload()]);
let sink = 0;
const at0 = { ip: '192.0.2.1' };
const at1 = { ip: '100.19.200.7' };
const at2 = { ip: '::ffff:192.0.2.1' };
const at3 = { ip: '203.0.113.9' };
const client = at0;
const figures = {
  'no rules': nsPerCall(() => {
    if (screenAddress(empty, at0, '/public') !== null) sink++;
  }),
  '5000 rules, client not covered': nsPerCall(() => {
    if (screenAddress(many, at1, '/public') !== null) sink++;
  }),
  '5000 rules, IPv4-mapped client': nsPerCall(() => {
    if (screenAddress(many, at2, '/public') !== null) sink++;
  }),
  'a rule denies the client (403 built)': nsPerCall(() => {
    if (screenAddress(denying, at3, '/public') !== null) sink++;
  }, 200_000),
  'noteClientError on a 200': nsPerCall(() => noteClientError(empty, client, 200, anonymousCaller, 1)),
};
for (const [name, ns] of Object.entries(figures)) console.log(`${name.padEnd(40)} ${ns.toFixed(1)} ns`);
if (sink < 0) console.log(sink);
