import { bitAt, type Network, parseAddress } from './address.js';

/** Fusio's rule types. */
export const RuleType = { deny: 0, allow: 1 } as const;

/** A rule as the rule set needs it; `expires` in epoch ms, null for never. */
export interface CompiledRule {
  readonly network: Network;
  readonly type: number;
  readonly expires: number | null;
  /** written by the automatic ban, not by an administrator */
  readonly ban: boolean;
}

/** What the rule set says of an address. */
export const Verdict = {
  pass: 0,
  /** an allow rule covers it: no deny rule applies and no automatic ban is counted */
  allowed: 1,
  /** a deny rule narrower than everyone, or an automatic ban, covers it */
  denied: 2,
  /** only a rule that covers every address of its family (0.0.0.0/0, ::/0) denies it */
  deniedAll: 3,
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** One node of the binary trie: the rules whose prefix ends here, as the latest expiry of each kind. */
interface Node {
  zero: Node | null;
  one: Node | null;
  /** latest expiry of the deny rules (0: none, Infinity: one never expires) */
  deny: number;
  ban: number;
  allow: number;
}

function node(): Node {
  return { zero: null, one: null, deny: 0, ban: 0, allow: 0 };
}

/**
 * The firewall's rules compiled into one binary trie per address family, swapped whole when a rule
 * changes: a lookup walks at most 32 (IPv4) or 128 (IPv6) bits, however many rules there are, and
 * allocates nothing. Rules that expired are skipped by comparing their expiry with the clock, so an
 * expiry lifts a rule at once, without a rebuild.
 */
export class RuleSet {
  static readonly empty = new RuleSet([]);

  /** no rule at all: the hot path skips even parsing the address */
  readonly size: number;
  private readonly v4: Node | null;
  private readonly v6: Node | null;
  /** the latest expiry of the deny (or ban) rule that matched in the last `check`: Infinity for never */
  deniedUntil = 0;
  /** whether that rule was an automatic ban */
  deniedByBan = false;
  private readonly scratch = new Uint32Array(4);

  constructor(rules: readonly CompiledRule[]) {
    let v4: Node | null = null;
    let v6: Node | null = null;
    for (const rule of rules) {
      if (rule.network.family === 4) v4 = v4 ?? node();
      else v6 = v6 ?? node();
      let at = (rule.network.family === 4 ? v4 : v6) as Node;
      for (let k = 0; k < rule.network.prefix; k++) {
        if (bitAt(rule.network.bits, k) === 1) {
          at.one = at.one ?? node();
          at = at.one;
        } else {
          at.zero = at.zero ?? node();
          at = at.zero;
        }
      }
      const expires = rule.expires ?? Number.POSITIVE_INFINITY;
      if (rule.type === RuleType.allow) at.allow = Math.max(at.allow, expires);
      else if (rule.ban) at.ban = Math.max(at.ban, expires);
      else at.deny = Math.max(at.deny, expires);
    }
    this.v4 = v4;
    this.v6 = v6;
    this.size = rules.length;
  }

  /**
   * The verdict for an address at `now` (the clock when absent, read only when some rule covers the
   * address); an address that cannot be read passes.
   */
  check(ip: string, at?: number): Verdict {
    const bits = this.scratch;
    const family = parseAddress(ip, bits);
    const root = family === 4 ? this.v4 : family === 6 ? this.v6 : null;
    if (root === null) return Verdict.pass;
    const words = family === 4 ? 1 : 4;
    let allow = root.allow;
    let deny = 0;
    let ban = 0;
    let node: Node | null = root;
    walk: for (let w = 0; w < words; w++) {
      const word = bits[w] as number;
      for (let shift = 31; shift >= 0; shift--) {
        node = ((word >>> shift) & 1) === 1 ? (node as Node).one : (node as Node).zero;
        if (node === null) break walk;
        if (node.allow > allow) allow = node.allow;
        if (node.deny > deny) deny = node.deny;
        if (node.ban > ban) ban = node.ban;
      }
    }
    if (allow === 0 && deny === 0 && ban === 0 && root.deny === 0) return Verdict.pass;
    const now = at ?? Date.now();
    if (allow > now) return Verdict.allowed;
    if (deny > now || ban > now) {
      this.deniedByBan = ban > now && deny <= now;
      this.deniedUntil = this.deniedByBan ? ban : Math.max(deny, ban > now ? ban : 0);
      return Verdict.denied;
    }
    // a ban written for 0.0.0.0/0 cannot happen (bans name one address or one /64), so only deny counts here
    if (root.deny > now) {
      this.deniedByBan = false;
      this.deniedUntil = root.deny;
      return Verdict.deniedAll;
    }
    return Verdict.pass;
  }
}
