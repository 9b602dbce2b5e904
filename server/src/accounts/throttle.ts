import { createHash } from 'node:crypto';
import type { TrustedNetworks } from '../networks.js';

/**
 * Slows down password guessing without handing attackers a way to lock people out.
 *
 * Every attempt is counted *before* its password is checked (so a burst of concurrent guesses gets no
 * more tries than a slow one) under three keys: the account from this address (5 free attempts), the
 * account from anywhere (20: guessing spread over many addresses) and the address across accounts (50:
 * one address spraying many accounts). Past its free attempts a key waits 1 s, then 2 s, 4 s … at most
 * 15 minutes between attempts — a back-off, not a lock. A successful login gives the attempt back and
 * marks the address as known for the account: from there, only the first key applies, so strangers'
 * failures never lock a user out of an address they have logged in from. Trusted networks
 * (`LOGIN_TRUSTED_NETWORKS`) are judged by the first key only as well; `portico user unlock` forgets an
 * account's counters.
 *
 * The counters are shared by every worker and node: in Redis when configured, else in the system database.
 */
export type ThrottleKind = 'account-ip' | 'account' | 'ip';

export interface ThrottleKey {
  readonly kind: ThrottleKind;
  /** the stored key: a digest, never the email or the address itself */
  readonly id: string;
}

export interface ThrottlePolicy {
  /** a key with no attempt for this long starts afresh */
  readonly windowMs: number;
  /** attempts each kind of key gets before backing off */
  readonly free: Readonly<Record<ThrottleKind, number>>;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** how long a successful login keeps an address known for the account */
  readonly knownForMs: number;
}

export const defaultThrottlePolicy: ThrottlePolicy = {
  windowMs: 15 * 60 * 1000,
  free: { 'account-ip': 5, account: 20, ip: 50 },
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60 * 1000,
  knownForMs: 30 * 24 * 60 * 60 * 1000,
};

export interface KeyState {
  readonly failures: number;
  readonly lastAt: number;
  readonly knownAt: number | null;
}

export const freshState: KeyState = { failures: 0, lastAt: 0, knownAt: null };

/** Failures that still count: a key left alone for a window starts afresh. */
export function currentFailures(state: KeyState, now: number, policy: ThrottlePolicy): number {
  return now - state.lastAt > policy.windowMs ? 0 : state.failures;
}

/** Epoch ms from which the key accepts the next attempt. */
export function nextAllowedAt(state: KeyState, kind: ThrottleKind, now: number, policy: ThrottlePolicy): number {
  const failures = currentFailures(state, now, policy);
  const free = policy.free[kind];
  if (failures < free) return 0;
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(failures - free, 30));
  return state.lastAt + delay;
}

export function isKnown(state: KeyState | undefined, now: number, policy: ThrottlePolicy): boolean {
  return state?.knownAt != null && now - state.knownAt < policy.knownForMs;
}

export interface AttemptDecision {
  /** 0: go on (the attempt is counted on `counted`); else milliseconds to wait (nothing counted) */
  readonly waitMs: number;
  readonly counted: readonly ThrottleKey[];
}

/**
 * Judges one attempt against the current states: which keys apply (only the first when the address is
 * known for the account) and how long to wait. The stores apply it atomically.
 */
export function judgeAttempt(
  keys: readonly ThrottleKey[],
  states: ReadonlyMap<string, KeyState>,
  now: number,
  policy: ThrottlePolicy,
): AttemptDecision {
  const first = keys[0];
  const applying = first?.kind === 'account-ip' && isKnown(states.get(first.id), now, policy) ? [first] : [...keys];
  let allowedAt = 0;
  for (const key of applying) {
    allowedAt = Math.max(allowedAt, nextAllowedAt(states.get(key.id) ?? freshState, key.kind, now, policy));
  }
  return { waitMs: Math.max(0, allowedAt - now), counted: applying };
}

/** The state after one more attempt. */
export function afterAttempt(state: KeyState, now: number, policy: ThrottlePolicy): KeyState {
  return { failures: currentFailures(state, now, policy) + 1, lastAt: now, knownAt: state.knownAt };
}

/** The state after the attempt turned out right: its count given back; the address now known. */
export function afterSuccess(state: KeyState, kind: ThrottleKind, now: number): KeyState {
  if (kind === 'account-ip') return { failures: 0, lastAt: now, knownAt: now };
  return { failures: Math.max(0, state.failures - 1), lastAt: state.lastAt, knownAt: state.knownAt };
}

export interface LoginThrottle {
  /** Counts an attempt before its password is checked; a wait > 0 means refused (and nothing counted). */
  begin(keys: readonly ThrottleKey[]): Promise<AttemptDecision>;
  /** The attempt was right: gives its count back and remembers the address for the account. */
  succeeded(counted: readonly ThrottleKey[]): Promise<void>;
  /** Forgets every counter of an account (its own and from every address): `portico user unlock`. */
  unlock(account: string): Promise<number>;
  /** Drops counters nobody needs any more. */
  prune(): Promise<void>;
}

function digestOf(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 40);
}

/** The canonical name of an account for the throttle: its id when it exists, else the name tried. */
export function accountName(login: string, user: { id: number } | undefined): string {
  return user ? `#${user.id}` : login.toLowerCase();
}

/** The prefix of every key of an account: `unlock` deletes by it. */
export function accountPrefix(account: string): string {
  return `a:${digestOf(account)}`;
}

/**
 * The keys of one attempt, the account-from-this-address key first. From a trusted network only that
 * one applies. Without a known address (`ip` undefined) there is only the account key.
 */
export function attemptKeys(account: string, ip: string | undefined, trusted: TrustedNetworks): ThrottleKey[] {
  const prefix = accountPrefix(account);
  if (ip === undefined) return [{ kind: 'account', id: prefix }];
  const pair: ThrottleKey = { kind: 'account-ip', id: `${prefix}:${digestOf(ip)}` };
  if (trusted.contains(ip)) return [pair];
  return [pair, { kind: 'account', id: prefix }, { kind: 'ip', id: `i:${digestOf(ip)}` }];
}
