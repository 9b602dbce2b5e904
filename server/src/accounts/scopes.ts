import type { Kysely } from 'kysely';
import { covers, userScopes } from '../auth/scopes.js';
import { type Database, type ScopeRow, Status } from '../db/schema.js';
import { badRequest } from '../errors.js';

/**
 * The scopes a developer may give their apps and personal tokens: those of their role and their own,
 * each global scope with all of its sub-scopes (`consumer` brings `consumer.app`, ...).
 */
export async function requestableScopes(
  db: Kysely<Database>,
  user: { id: number; role_id: number },
): Promise<ScopeRow[]> {
  const entitled = new Set(await userScopes(db, user.id, user.role_id));
  if (entitled.size === 0) return [];
  const all = await db.selectFrom('scopes').selectAll().where('status', '=', Status.active).orderBy('name').execute();
  return all.filter((scope) => covers(entitled, scope.name));
}

/**
 * Checks that every requested scope is one the user may request (a request for more is refused, not
 * silently trimmed) and adds `authorization`, which every app and token needs and nobody picks.
 */
export async function assertRequestableScopes(
  db: Kysely<Database>,
  user: { id: number; role_id: number },
  requested: readonly string[],
): Promise<string[]> {
  const allowed = new Set((await requestableScopes(db, user)).map((s) => s.name));
  const wanted = [...new Set(requested.map((s) => s.trim()).filter(Boolean))];
  const refused = wanted.filter((s) => !allowed.has(s));
  if (refused.length > 0) {
    throw badRequest(`You may not request the scope${refused.length > 1 ? 's' : ''} ${refused.join(', ')}`);
  }
  if (allowed.has('authorization') && !wanted.includes('authorization')) wanted.push('authorization');
  if (wanted.length === 0) throw badRequest('Provide at least one valid scope');
  return wanted;
}
