import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { forbidden } from '../errors.js';

/** The scope that asks for the user's identity (OpenID Connect), not for API access. */
export const openidScope = 'openid';

/** Scopes as a client sends them: comma- or space-separated (Fusio splits on commas when there are any). */
export function splitScopes(input: unknown): string[] {
  if (Array.isArray(input)) return dedupe(input.filter((s): s is string => typeof s === 'string'));
  if (typeof input !== 'string') return [];
  const parts = input.includes(',') ? input.split(',') : input.split(' ');
  return dedupe(parts);
}

function dedupe(parts: string[]): string[] {
  return [...new Set(parts.map((p) => p.trim()).filter(Boolean))];
}

/** True when `entitled` holds the scope itself or its parent (`backend` covers `backend.action`). */
export function covers(entitled: ReadonlySet<string>, scope: string): boolean {
  if (entitled.has(scope)) return true;
  const dot = scope.indexOf('.');
  return dot > 0 && entitled.has(scope.slice(0, dot));
}

/**
 * Every scope a token holding `held` can use, as Fusio lists them in a token response: each held scope,
 * and after a parent (a name without a dot) the existing scopes it covers (`backend` → `backend.action`,
 * `backend.dashboard`, …), so a client that checks `scope.split(',').includes('backend.dashboard')` sees
 * exactly what the gateway lets through (`covers`). Tokens themselves carry only `held`.
 */
export function listScopes(held: readonly string[], known: readonly string[]): string[] {
  const sorted = [...known].sort();
  const out = new Set<string>();
  for (const scope of held) {
    out.add(scope);
    if (scope.includes('.')) continue;
    for (const name of sorted) if (parentOf(name) === scope) out.add(name);
  }
  return [...out];
}

/** `listScopes` against the scopes that exist now. */
export async function listedScopes(db: Kysely<Database>, held: readonly string[]): Promise<string[]> {
  if (held.every((scope) => scope.includes('.'))) return [...held];
  const rows = await db.selectFrom('scopes').select('name').execute();
  return listScopes(
    held,
    rows.map((r) => r.name),
  );
}

/** Who bounds what a new token, app or grant may carry. */
export type ScopeLimit =
  /** the token of the request that asks (a narrow token must not mint a broad one) */
  | 'token'
  /** what the user may have now: role, own scopes, plan */
  | 'user'
  /** what the app may have now, for a credential of an app */
  | 'app'
  /** what the credential being renewed carried (a refresh never widens) */
  | 'original';

export type ScopeLimits = Partial<Record<ScopeLimit, readonly string[]>>;

export interface ScopeDecision {
  /** what may be granted: asked for (or everything, when nothing was asked) and covered by every limit */
  readonly granted: string[];
  /** asked for, but not covered by a limit (the first limit that refuses it) */
  readonly refused: readonly { readonly scope: string; readonly by: ScopeLimit }[];
}

function parentOf(scope: string): string | undefined {
  const dot = scope.indexOf('.');
  return dot > 0 ? scope.slice(0, dot) : undefined;
}

/**
 * The one decision of what a new credential may carry: every token-minting and scope-granting path
 * (apps, personal tokens, consent, refresh, client credentials, password and identity logins) asks it.
 * The answer is what was asked for, limited to what the calling token holds, what the user and the app
 * may have now and what a renewed credential had. Asking for nothing means asking for everything the
 * limits allow. A parent asked for yields the children every limit covers (`backend` asked, an app with
 * `backend.action` only: `backend.action`), and is itself refused.
 */
export function decideScopes(requested: readonly string[], limits: ScopeLimits): ScopeDecision {
  const order: ScopeLimit[] = ['original', 'token', 'app', 'user'];
  const bounds = order.flatMap((name) => {
    const scopes = limits[name];
    return scopes === undefined ? [] : [{ name, scopes, set: new Set(scopes) }];
  });
  const asked = [...new Set(requested)];
  const named = bounds.flatMap((b) => b.scopes);
  let candidates: string[];
  if (asked.length === 0) candidates = [...new Set(named)];
  else {
    const wanted = new Set(asked);
    candidates = [...new Set([...asked, ...named.filter((s) => wanted.has(parentOf(s) ?? ''))])];
  }
  const firstRefusing = (scope: string) => bounds.find((b) => !covers(b.set, scope))?.name;
  const granted = candidates.filter((scope) => firstRefusing(scope) === undefined);
  const refused = asked.flatMap((scope) => {
    const by = firstRefusing(scope);
    return by === undefined ? [] : [{ scope, by }];
  });
  return { granted, refused };
}

/** A token cannot hand out what it does not hold: 403 naming what it lacks. */
export function assertTokenHolds(callerScopes: readonly string[], scopes: readonly string[]): void {
  const lacking = decideScopes(scopes, { token: callerScopes }).refused.map((r) => r.scope);
  if (lacking.length > 0) {
    throw forbidden(
      `Your access token does not hold the scope${lacking.length > 1 ? 's' : ''} ${lacking.join(', ')}, so it cannot grant ${lacking.length > 1 ? 'them' : 'it'}`,
    );
  }
}

/** The administrative scopes: whoever holds them runs the platform. */
export function isAdministrativeScope(scope: string): boolean {
  return scope === 'backend' || scope.startsWith('backend.');
}

/**
 * Administrators grant API scopes to users, roles, plans and apps as their job, but a token may hand out
 * (or touch the holder of) an administrative scope only if it holds that scope itself: a `backend.user`
 * token cannot make an administrator, nor take over one.
 */
export function assertMayGrantAdministrative(callerScopes: readonly string[], scopes: Iterable<string>): void {
  assertTokenHolds(callerScopes, [...scopes].filter(isAdministrativeScope));
}

/** A user's scopes: those of their role, those given to them directly and those of their plan. */
export async function userScopes(db: Kysely<Database>, userId: number, roleId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('scopes')
    .select('scopes.name')
    .where((eb) =>
      eb.or([
        eb(
          'scopes.id',
          'in',
          eb.selectFrom('role_scopes').select('role_scopes.scope_id').where('role_scopes.role_id', '=', roleId),
        ),
        eb(
          'scopes.id',
          'in',
          eb.selectFrom('user_scopes').select('user_scopes.scope_id').where('user_scopes.user_id', '=', userId),
        ),
        eb(
          'scopes.id',
          'in',
          eb
            .selectFrom('plan_scopes')
            .innerJoin('users', 'users.plan_id', 'plan_scopes.plan_id')
            .select('plan_scopes.scope_id')
            .where('users.id', '=', userId),
        ),
      ]),
    )
    .orderBy('scopes.name')
    .execute();
  return rows.map((r) => r.name);
}

export async function roleScopes(db: Kysely<Database>, roleId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('role_scopes')
    .innerJoin('scopes', 'scopes.id', 'role_scopes.scope_id')
    .select('scopes.name')
    .where('role_scopes.role_id', '=', roleId)
    .orderBy('scopes.name')
    .execute();
  return rows.map((r) => r.name);
}

export async function appScopes(db: Kysely<Database>, appId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('app_scopes')
    .innerJoin('scopes', 'scopes.id', 'app_scopes.scope_id')
    .select('scopes.name')
    .where('app_scopes.app_id', '=', appId)
    .orderBy('scopes.name')
    .execute();
  return rows.map((r) => r.name);
}

/** Ids of existing scopes by name; unknown names are left out. */
export async function scopeIdsByName(db: Kysely<Database>, names: readonly string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .selectFrom('scopes')
    .select(['id', 'name'])
    .where('name', 'in', [...names])
    .execute();
  return new Map(rows.map((r) => [r.name, r.id]));
}
