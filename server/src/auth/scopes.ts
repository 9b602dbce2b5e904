import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type {} from '../plans/tables.js';

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
 * The scopes a token may carry: what was asked for, limited to what every party is entitled to.
 * Asking for nothing means asking for everything the first party is entitled to.
 */
export function grantScopes(requested: string[], ...entitlements: readonly string[][]): string[] {
  const sets = entitlements.map((e) => new Set(e));
  const first = entitlements[0] ?? [];
  const candidates = requested.length > 0 ? requested : first;
  return candidates.filter((scope) => sets.every((set) => covers(set, scope)));
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
