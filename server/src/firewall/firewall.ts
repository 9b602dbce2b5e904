import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ChangeWriter } from '../changes/unit.js';
import type { Database } from '../db/schema.js';
import { PorticoError } from '../errors.js';
import { callerAddress } from '../limits/limiter.js';
import type { ClientErrorCounter } from './client-errors.js';
import type { FirewallRepository } from './repository.js';
import { RuleSet, Verdict } from './rule-set.js';

/** The automatic ban's numbers (settings firewall_max_retry, firewall_find_time, firewall_ban_time). */
export interface BanPolicy {
  /** client errors within `findMs` that ban an address; 0 turns automatic bans off */
  readonly maxRetry: number;
  readonly findMs: number;
  readonly banMs: number;
}

export interface FirewallOptions {
  db: Kysely<Database>;
  rules: FirewallRepository;
  changes: ChangeWriter;
  logger: Logger;
  /** read when a client error is counted, so a settings change applies to the next one */
  policy: () => BanPolicy;
  /** where client errors are counted: this process, the cluster primary (workers), … */
  counter: ClientErrorCounter;
  /** LOGIN_TRUSTED_NETWORKS: never denied the backend and the authorization API, never banned */
  trusted: { contains(ip: string): boolean };
}

const bannedMessage = 'Your IP has sent too many requests, please try again later';
const deniedMessage = 'Your IP address is not allowed to access this API';

/** `/backend…` and `/authorization…`: where an administrator manages and logs in. */
export function isAdminPath(path: string): boolean {
  const end = path.startsWith('/backend') ? 8 : path.startsWith('/authorization') ? 14 : 0;
  if (end === 0) return false;
  return path.length === end || path.charCodeAt(end) === 47;
}

/**
 * A loopback client is a local reverse proxy (or the operator): without TRUST_PROXY every client comes
 * from it, so banning it automatically would ban everyone. Rules still apply to it.
 */
function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('::ffff:127.');
}

/**
 * The firewall on the hot path: the rules compiled into a `RuleSet`, swapped whole when a rule changes
 * (here, or on another node through the change feed), so a request never waits for the database. Client
 * errors are counted per address; the one that reaches the limit writes a deny rule with an expiry (the
 * ban), which reaches every node like any rule.
 */
export class Firewall {
  private rules: RuleSet = RuleSet.empty;
  private readonly options: FirewallOptions;
  /** addresses whose ban is being written, so a burst writes it once */
  private readonly banning = new Set<string>();
  private counterDown = false;

  constructor(options: FirewallOptions) {
    this.options = options;
  }

  /** Rules in force (including expired ones not yet dropped by a rebuild). */
  get size(): number {
    return this.rules.size;
  }

  /**
   * Null when the request may go on, else the 403 to answer. The administrator is never locked out of the
   * backend and the authorization API by a rule that covers everyone (0.0.0.0/0, ::/0), nor from a trusted
   * network by any rule; narrower rules and bans apply there too.
   */
  screen(ip: string, path: string): PorticoError | null {
    const rules = this.rules;
    if (rules.size === 0) return null;
    const verdict = rules.check(ip);
    if (verdict === Verdict.pass || verdict === Verdict.allowed) return null;
    const now = Date.now();
    if (isAdminPath(path) && (verdict === Verdict.deniedAll || this.options.trusted.contains(ip))) return null;
    const until = rules.deniedUntil;
    const headers: Record<string, string> =
      until === Number.POSITIVE_INFINITY ? {} : { 'retry-after': String(Math.max(1, Math.ceil((until - now) / 1000))) };
    return new PorticoError('FORBIDDEN', rules.deniedByBan ? bannedMessage : deniedMessage, headers);
  }

  /** Whether an allow rule in force covers `ip` (a deny rule cannot lock that address out). */
  allows(ip: string): boolean {
    return this.rules.size > 0 && this.rules.check(ip) === Verdict.allowed;
  }

  /**
   * After a 4xx answer: counts it for the address, and bans the address when it reached the limit within
   * the window. Never throws and never delays the response.
   */
  clientError(ip: string): void {
    const policy = this.options.policy();
    if (policy.maxRetry <= 0 || policy.findMs <= 0 || policy.banMs <= 0) return;
    if (isLoopback(ip) || this.allows(ip) || this.options.trusted.contains(ip)) return;
    const address = callerAddress(ip);
    let hit: boolean | Promise<boolean>;
    try {
      hit = this.options.counter.hit(address, policy.findMs, policy.maxRetry);
    } catch (error) {
      this.counterFailed(error);
      return;
    }
    if (hit === true) this.ban(address, policy.banMs);
    else if (hit instanceof Promise) {
      hit.then(
        (reached) => {
          if (this.counterDown) {
            this.counterDown = false;
            this.options.logger.info('firewall: counting client errors works again');
          }
          if (reached) this.ban(address, policy.banMs);
        },
        (error: unknown) => this.counterFailed(error),
      );
    }
  }

  private counterFailed(error: unknown): void {
    if (this.counterDown) return;
    this.counterDown = true;
    this.options.logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'firewall: client errors cannot be counted right now; no automatic bans until it works again',
    );
  }

  private ban(address: string, banMs: number): void {
    if (this.banning.has(address)) return;
    this.banning.add(address);
    const until = Date.now() + banMs;
    this.options.changes
      .write(undefined, (unit) => this.options.rules.ban(unit, address, until))
      .then(
        () =>
          this.options.logger.warn(
            { address, until: new Date(until).toISOString() },
            'firewall: address banned after repeated client errors',
          ),
        (error: unknown) => this.options.logger.error({ err: error, address }, 'firewall: writing a ban failed'),
      )
      .finally(() => this.banning.delete(address));
  }

  /** Re-reads the rules that have not expired and swaps in a new rule set. */
  async reload(): Promise<void> {
    this.rules = new RuleSet(await this.options.rules.active(this.options.db));
  }
}
