import type { Kysely } from 'kysely';
import { assertTokenHolds, covers, decideScopes, userScopes } from '../auth/scopes.js';
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
 * Checks that every requested scope is one the user may request and the calling token holds (a request
 * for more is refused, not silently trimmed) and adds `authorization`, which every app and token needs and
 * nobody picks — when the calling token holds it too.
 */
export async function assertRequestableScopes(
  db: Kysely<Database>,
  user: { id: number; role_id: number },
  requested: readonly string[],
  callerScopes: readonly string[],
): Promise<string[]> {
  const allowed = (await requestableScopes(db, user)).map((s) => s.name);
  const wanted = [...new Set(requested.map((s) => s.trim()).filter(Boolean))];
  const notTheUsers = wanted.filter((s) => !allowed.includes(s));
  if (notTheUsers.length > 0) {
    throw badRequest(`You may not request the scope${notTheUsers.length > 1 ? 's' : ''} ${notTheUsers.join(', ')}`);
  }
  assertTokenHolds(callerScopes, wanted);
  if (allowed.includes('authorization') && !wanted.includes('authorization')) {
    if (decideScopes(['authorization'], { token: callerScopes }).refused.length === 0) wanted.push('authorization');
  }
  if (wanted.length === 0) throw badRequest('Provide at least one valid scope');
  return wanted;
}
