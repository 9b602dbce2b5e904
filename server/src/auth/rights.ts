import type { Kysely } from 'kysely';
import { AppStatus, type Database, TokenStatus, UserStatus } from '../db/schema.js';
import { decideScopes, openidScope } from './scopes.js';
import type { TokenService } from './tokens.js';

/** Whose rights changed: the tokens of these users or apps are checked against what they may have now. */
export type RightsChange =
  | { readonly userId: number }
  | { readonly roleId: number }
  | { readonly planId: number }
  | { readonly appId: number }
  /** a scope that was deleted: every token naming it */
  | { readonly scope: string };

const chunk = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += chunk) out.push(items.slice(i, i + chunk));
  return out;
}

function group(rows: readonly { key: number; name: string }[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const row of rows) {
    const list = out.get(row.key);
    if (list) list.push(row.name);
    else out.set(row.key, [row.name]);
  }
  return out;
}

interface Rights {
  readonly active: boolean;
  readonly scopes: readonly string[];
}

/** What each user may have now (role, own scopes, plan), for many users in a few queries. */
async function rightsOfUsers(db: Kysely<Database>, userIds: readonly number[]): Promise<Map<number, Rights>> {
  const out = new Map<number, Rights>();
  for (const ids of chunks(userIds)) {
    const users = await db
      .selectFrom('users')
      .select(['id', 'role_id', 'plan_id', 'status'])
      .where('id', 'in', ids)
      .execute();
    const roleIds = [...new Set(users.map((u) => u.role_id))];
    const planIds = [...new Set(users.flatMap((u) => (u.plan_id === null ? [] : [u.plan_id])))];
    const [byRole, byUser, byPlan] = await Promise.all([
      roleIds.length === 0
        ? []
        : db
            .selectFrom('role_scopes')
            .innerJoin('scopes', 'scopes.id', 'role_scopes.scope_id')
            .select(['role_scopes.role_id as key', 'scopes.name as name'])
            .where('role_scopes.role_id', 'in', roleIds)
            .execute(),
      db
        .selectFrom('user_scopes')
        .innerJoin('scopes', 'scopes.id', 'user_scopes.scope_id')
        .select(['user_scopes.user_id as key', 'scopes.name as name'])
        .where('user_scopes.user_id', 'in', ids)
        .execute(),
      planIds.length === 0
        ? []
        : db
            .selectFrom('plan_scopes')
            .innerJoin('scopes', 'scopes.id', 'plan_scopes.scope_id')
            .select(['plan_scopes.plan_id as key', 'scopes.name as name'])
            .where('plan_scopes.plan_id', 'in', planIds)
            .execute(),
    ]);
    const roles = group(byRole);
    const own = group(byUser);
    const plans = group(byPlan);
    for (const user of users) {
      out.set(user.id, {
        active: user.status === UserStatus.active,
        scopes: [
          ...(roles.get(user.role_id) ?? []),
          ...(own.get(user.id) ?? []),
          ...(user.plan_id === null ? [] : (plans.get(user.plan_id) ?? [])),
        ],
      });
    }
  }
  return out;
}

async function rightsOfApps(db: Kysely<Database>, appIds: readonly number[]): Promise<Map<number, Rights>> {
  const out = new Map<number, Rights>();
  for (const ids of chunks(appIds)) {
    const [apps, scopes] = await Promise.all([
      db.selectFrom('apps').select(['id', 'status']).where('id', 'in', ids).execute(),
      db
        .selectFrom('app_scopes')
        .innerJoin('scopes', 'scopes.id', 'app_scopes.scope_id')
        .select(['app_scopes.app_id as key', 'scopes.name as name'])
        .where('app_scopes.app_id', 'in', ids)
        .execute(),
    ]);
    const byApp = group(scopes);
    for (const app of apps) {
      out.set(app.id, { active: app.status === AppStatus.active, scopes: byApp.get(app.id) ?? [] });
    }
  }
  return out;
}

function affectedTokens(db: Kysely<Database>, change: RightsChange) {
  let query = db
    .selectFrom('tokens')
    .select(['tokens.token_id', 'tokens.user_id', 'tokens.app_id', 'tokens.scope'])
    .where('tokens.status', '=', TokenStatus.active)
    .where('tokens.expire', '>', Date.now());
  if ('userId' in change) query = query.where('tokens.user_id', '=', change.userId);
  else if ('appId' in change) query = query.where('tokens.app_id', '=', change.appId);
  else if ('roleId' in change) {
    query = query.where('tokens.user_id', 'in', (eb) =>
      eb.selectFrom('users').select('users.id').where('users.role_id', '=', change.roleId),
    );
  } else if ('planId' in change) {
    query = query.where('tokens.user_id', 'in', (eb) =>
      eb.selectFrom('users').select('users.id').where('users.plan_id', '=', change.planId),
    );
  } else {
    // scope lists are comma-separated names (no `%` in a name); the exact check below drops lookalikes
    query = query.where('tokens.scope', 'like', `%${change.scope}%`);
  }
  return query.execute();
}

/**
 * After a role change, a scope change of a user, role, plan or app, or a deleted scope: revokes every active
 * token that carries more than its user (and its app) may have now, on every node (the revocation feed).
 * Tokens still within the new rights keep working. Returns how many were revoked.
 */
export async function revokeTokensBeyondRights(
  db: Kysely<Database>,
  tokens: TokenService,
  change: RightsChange,
): Promise<number> {
  const rows = await affectedTokens(db, change);
  if (rows.length === 0) return 0;
  const [users, apps] = await Promise.all([
    rightsOfUsers(db, [...new Set(rows.map((r) => r.user_id))]),
    rightsOfApps(db, [...new Set(rows.flatMap((r) => (r.app_id === null ? [] : [r.app_id])))]),
  ]);
  const beyond = rows.filter((row) => {
    const user = users.get(row.user_id);
    const app = row.app_id === null ? undefined : apps.get(row.app_id);
    if (!user?.active || (row.app_id !== null && !app?.active)) return true;
    const carried = row.scope.split(',').filter((s) => s !== '' && s !== openidScope);
    return decideScopes(carried, { user: user.scopes, app: app?.scopes }).refused.length > 0;
  });
  if (beyond.length === 0) return 0;
  return tokens.revokeWhere({ tokenIds: beyond.map((r) => r.token_id) });
}
