import type { BackendFirewall } from 'fusio-sdk';
import { parseJsonColumn } from '../../db/values.js';
import { badRequest } from '../../errors.js';
import { expiryOf, type FirewallInput, networkOf } from '../../firewall/repository.js';
import { type CompiledRule, RuleSet, RuleType, Verdict } from '../../firewall/rule-set.js';
import type { FirewallRow } from '../../firewall/tables.js';
import { metadataField, nameField } from '../../schema/fragments.js';
import { entityOperations } from '../crud.js';
import type { Platform } from '../platform.js';
import type { SystemCall, SystemOperation } from '../system-operation.js';

const firewallBody = {
  type: 'object',
  properties: {
    name: nameField('firewall', { max: 64, also: '-_.' }),
    type: { type: 'integer', enum: [0, 1], 'x-error': 'Firewall type must be 0 (deny) or 1 (allow)' },
    ip: {
      type: 'string',
      maxLength: 64,
      'x-error': 'Firewall ip must be an IPv4 or IPv6 address or CIDR range, e.g. 203.0.113.7 or 2001:db8::/32',
    },
    expire: {
      type: ['string', 'null'],
      maxLength: 40,
      'x-error': 'Firewall expire must be a date and time in ISO 8601, or null',
    },
    metadata: metadataField,
  },
};

function view(row: FirewallRow): BackendFirewall {
  const rule: BackendFirewall = { id: row.id, name: row.name, type: row.type, ip: row.ip };
  if (row.expire !== null) rule.expire = new Date(Number(row.expire)).toISOString();
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) rule.metadata = metadata;
  return rule;
}

/**
 * The administrator must not lock themselves out: a change after which the rules in force would deny the
 * calling address the backend is refused (400 naming `ip`), unless LOGIN_TRUSTED_NETWORKS covers it. A
 * rule that covers everyone (0.0.0.0/0, ::/0) never applies to the backend, so it passes (docs/security.md).
 */
async function assertNoLockout(
  call: SystemCall,
  change: { without?: number; with?: CompiledRule; ip?: string },
): Promise<void> {
  const platform: Platform = call.platform;
  const address = call.request.ip;
  if (platform.trustedNetworks.contains(address)) return;
  const now = Date.now();
  const rules = await platform.firewallRules.active(platform.db, now, change.without);
  if (change.with) rules.push(change.with);
  const verdict = new RuleSet(rules).check(address, now);
  if (verdict !== Verdict.denied) return;
  const subject = change.ip ? `ip ${change.ip}` : 'this change';
  throw badRequest(
    `Firewall ${subject} would deny your own address ${address} access to the backend; add an allow rule for your address first`,
  );
}

function ruleOf(type: number | undefined, ip: string, expire: string | null | undefined): CompiledRule | undefined {
  if (type !== RuleType.deny && type !== RuleType.allow) return undefined;
  return { network: networkOf(ip), type, expires: expiryOf(expire), ban: false };
}

/** Fusio's firewall (fusio-sdk BackendFirewallTag): allow and deny rules for addresses and CIDR ranges. */
export const firewallOperations: SystemOperation[] = entityOperations<
  FirewallRow,
  FirewallInput & { name: string; type: number; ip: string },
  FirewallInput
>({
  entity: 'firewall',
  label: 'Firewall',
  store: (platform) => platform.firewallRules,
  body: firewallBody,
  required: ['name', 'type', 'ip'],
  summary: view,
  detail: view,
  prepare: {
    async create(body, call) {
      const input = body as FirewallInput & { name: string; type: number; ip: string };
      const rule = ruleOf(input.type, input.ip, input.expire);
      if (rule?.type === RuleType.deny) await assertNoLockout(call, { with: rule, ip: rule.network.text });
      return input;
    },
    async update(body, call, ref) {
      const input = body as FirewallInput;
      const existing = await call.platform.firewallRules.find(call.platform.db, ref);
      const expire =
        input.expire === undefined
          ? existing.expire === null
            ? null
            : new Date(Number(existing.expire)).toISOString()
          : input.expire;
      const rule = ruleOf(input.type ?? existing.type, input.ip ?? existing.ip, expire);
      await assertNoLockout(call, { without: existing.id, with: rule, ip: rule?.network.text });
      return input;
    },
    async delete(call, ref) {
      const existing = await call.platform.firewallRules.find(call.platform.db, ref);
      // removing an allow rule can expose the caller to a deny rule it covered
      if (existing.type === RuleType.allow) await assertNoLockout(call, { without: existing.id });
    },
  },
  descriptions: {
    getAll: 'Every firewall rule, automatic bans (named Ban-…) included',
    create:
      'A deny (0) or allow (1) rule for an address or CIDR range, optionally expiring; allow rules win over deny rules',
    get: 'A firewall rule by id or ~name',
    update: 'Changes the fields given; expire null removes the expiry',
    delete: 'Deletes a rule: lifting a ban is deleting it',
  },
});
