import type { ConsumerGrant } from 'fusio-sdk';
import { insertWithId } from '../db/insert.js';
import { AppStatus } from '../db/schema.js';
import { isoDate } from '../db/values.js';
import type { OAuthDeps } from './deps.js';
import type { UserGrantRow } from './schema.js';

/**
 * A user's decision to let an app act for them (Fusio's fusio_user_grant), remembered so the user can
 * list and withdraw it later (/consumer/grant).
 */
export async function recordGrant(
  deps: OAuthDeps,
  userId: number,
  appId: number,
  allow: boolean,
  scopes: readonly string[],
): Promise<number> {
  const now = Date.now();
  const values = { allow: allow ? 1 : 0, scope: scopes.join(',').slice(0, 1023), updated_at: now };
  const existing = await findGrant(deps, userId, appId);
  if (existing) {
    await deps.db.updateTable('user_grants').set(values).where('id', '=', existing.id).execute();
    return existing.id;
  }
  try {
    return await insertWithId(
      deps.db.insertInto('user_grants').values({ user_id: userId, app_id: appId, created_at: now, ...values }),
      deps.dialect,
    );
  } catch (error) {
    // the same consent submitted twice at once: the other request created the row
    const raced = await findGrant(deps, userId, appId);
    if (!raced) throw error;
    await deps.db.updateTable('user_grants').set(values).where('id', '=', raced.id).execute();
    return raced.id;
  }
}

function findGrant(deps: OAuthDeps, userId: number, appId: number): Promise<UserGrantRow | undefined> {
  return deps.db
    .selectFrom('user_grants')
    .selectAll()
    .where('user_id', '=', userId)
    .where('app_id', '=', appId)
    .executeTakeFirst();
}

/**
 * Withdraws a grant: the row goes and every token the app holds for the user is revoked on every node.
 * Returns false when the user has no such grant.
 */
export async function revokeGrant(deps: OAuthDeps, userId: number, grantId: number): Promise<boolean> {
  const grant = await deps.db
    .selectFrom('user_grants')
    .selectAll()
    .where('id', '=', grantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!grant) return false;
  await deps.tokens.revokeWhere({ userId, appId: grant.app_id });
  await deps.db.deleteFrom('user_grants').where('id', '=', grant.id).execute();
  return true;
}

/** A user's allowed grants to active apps, newest first, in the shape of fusio-sdk's ConsumerGrant. */
export async function listGrants(
  deps: OAuthDeps,
  userId: number,
  page: { startIndex: number; count: number },
): Promise<{ totalResults: number; entry: ConsumerGrant[] }> {
  const base = deps.db
    .selectFrom('user_grants')
    .innerJoin('apps', 'apps.id', 'user_grants.app_id')
    .where('user_grants.user_id', '=', userId)
    .where('user_grants.allow', '=', 1)
    .where('apps.status', '=', AppStatus.active);
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .select([
      'user_grants.id as id',
      'user_grants.app_id as appId',
      'user_grants.updated_at as updatedAt',
      'apps.name as name',
      'apps.url as url',
    ])
    .orderBy('user_grants.id', 'desc')
    .limit(page.count)
    .offset(page.startIndex)
    .execute();
  return {
    totalResults: Number(total.n),
    entry: rows.map((r) => ({
      id: r.id,
      app: { id: r.appId, name: r.name, url: r.url },
      createDate: isoDate(r.updatedAt),
    })),
  };
}
