import type { Insertable, Kysely } from 'kysely';
import { categoryOf, type SystemOperation, scopeOf } from '../api/system-operation.js';
import type { SystemDatabase } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import { Category, categoryNames, type Database, type OperationTable, platformCategoryIds } from '../db/schema.js';
import { installDefaultRates } from '../limits/defaults.js';
import { configDefaults } from '../settings/settings.js';

const globalScopes = [
  { name: 'backend', description: 'Global access to the backend API', category: Category.backend },
  { name: 'consumer', description: 'Global access to the consumer API', category: Category.consumer },
  { name: 'authorization', description: 'Authorization API endpoint', category: Category.authorization },
  { name: 'openid', description: 'OpenID scope', category: Category.authorization },
  {
    name: 'introspect',
    description: 'Introspect any token at /authorization/introspect (for resource servers), not only the app’s own',
    category: Category.authorization,
  },
  { name: 'default', description: 'Default scope', category: Category.default },
];

/** What the scopes of the consumer API let an app or token do, as the developer portal's forms show them. */
const consumerScopeDescriptions: Record<string, string> = {
  'consumer.account': 'Your account: read and change your profile and password',
  'consumer.app': 'Your apps: create, change and delete them, and see their keys',
  'consumer.event': 'The events you can subscribe webhooks to',
  'consumer.grant': 'The apps you authorised to act for you, and revoking them',
  'consumer.log': 'Your calls to the API: the call log and the usage charts',
  'consumer.page': 'The pages of the developer portal',
  'consumer.payment': 'Buying a plan through the payment provider',
  'consumer.plan': 'The plans on offer and your subscription',
  'consumer.scope': 'The scopes you may give your apps and tokens',
  'consumer.token': 'Your personal access tokens',
  'consumer.transaction': 'Your payments',
  'consumer.webhook': 'Your webhooks: subscribe to events and see every delivery',
};

/** A scope of the platform's own operations: `consumer.app` → what it grants. */
function platformScopeDescription(name: string): string {
  const known = consumerScopeDescriptions[name];
  if (known) return known;
  const [category, entity] = name.split('.');
  return category === 'backend' && entity ? `The backend API's ${entity} operations` : '';
}

const defaultRoles = [
  { name: 'Administrator', scopes: ['authorization', 'backend', 'consumer', 'default'] },
  { name: 'Backend', scopes: ['authorization', 'backend', 'default'] },
  { name: 'Consumer', scopes: ['authorization', 'consumer', 'default'] },
];

/**
 * Brings a database to what a fresh install holds (categories, scopes, roles, config) and syncs the
 * platform's own operations into the operations table. Only adds what is missing, so it runs at every
 * start and upgrades older installs; an admin's changes to existing rows are kept.
 */
export async function installDefaults(
  sdb: SystemDatabase,
  systemOperations: readonly SystemOperation[],
): Promise<void> {
  const { db } = sdb;
  await insertCategories(db);
  const scopeIds = await ensureScopes(sdb, systemOperations);
  await ensureRoles(sdb, scopeIds);
  const existingConfig = new Set((await db.selectFrom('config').select('name').execute()).map((r) => r.name));
  const missing = configDefaults.filter((d) => !existingConfig.has(d.name));
  if (missing.length > 0) await db.insertInto('config').values(missing).execute();
  await syncSystemOperations(sdb, systemOperations, scopeIds);
  // Fusio's Default and Default-Anonymous rates, on a fresh install only (an empty rates table)
  await installDefaultRates(db, sdb.dialect);
}

async function insertCategories(db: Kysely<Database>): Promise<void> {
  const existing = new Set((await db.selectFrom('categories').select('name').execute()).map((r) => r.name));
  // ids follow the order of categoryNames on a fresh install; Category relies on it
  for (const name of categoryNames) {
    if (!existing.has(name)) await db.insertInto('categories').values({ name, status: 1 }).execute();
  }
  const rows = await db.selectFrom('categories').select(['id', 'name']).execute();
  for (const row of rows) {
    const expected = Category[row.name as keyof typeof Category];
    if (expected !== undefined && expected !== row.id) {
      throw new Error(
        `Category ${row.name} has id ${row.id}, expected ${expected}: the system database is inconsistent`,
      );
    }
  }
}

async function ensureScopes(sdb: SystemDatabase, operations: readonly SystemOperation[]): Promise<Map<string, number>> {
  const { db } = sdb;
  const wanted = new Map<string, { description: string; category: number }>();
  for (const s of globalScopes) wanted.set(s.name, { description: s.description, category: s.category });
  for (const op of operations) {
    const scope = scopeOf(op);
    if (scope && !wanted.has(scope)) {
      const category = Category[categoryOf(op.name) as keyof typeof Category] ?? Category.default;
      wanted.set(scope, { description: platformScopeDescription(scope), category });
    }
  }
  const existing = await db.selectFrom('scopes').select(['id', 'name', 'description']).execute();
  const ids = new Map(existing.map((r) => [r.name, r.id]));
  // scopes made before they had descriptions get theirs; an admin's own text is kept
  for (const row of existing) {
    const description = wanted.get(row.name)?.description ?? '';
    if (row.description === '' && description !== '') {
      await db.updateTable('scopes').set({ description }).where('id', '=', row.id).execute();
    }
  }
  for (const [name, { description, category }] of wanted) {
    if (ids.has(name)) continue;
    const id = await insertWithId(
      db.insertInto('scopes').values({ name, description, category_id: category, status: 1, metadata: null }),
      sdb.dialect,
    );
    ids.set(name, id);
  }
  return ids;
}

async function ensureRoles(sdb: SystemDatabase, scopeIds: Map<string, number>): Promise<void> {
  const { db } = sdb;
  const existing = new Set((await db.selectFrom('roles').select('name').execute()).map((r) => r.name));
  for (const role of defaultRoles) {
    if (existing.has(role.name)) continue;
    const roleId = await insertWithId(
      db.insertInto('roles').values({ name: role.name, category_id: Category.default, status: 1 }),
      sdb.dialect,
    );
    await db
      .insertInto('role_scopes')
      .values(role.scopes.map((s) => ({ role_id: roleId, scope_id: scopeIds.get(s) as number })))
      .execute();
  }
}

/** Makes the operations table hold exactly the platform's own operations of this version. */
async function syncSystemOperations(
  sdb: SystemDatabase,
  operations: readonly SystemOperation[],
  scopeIds: Map<string, number>,
): Promise<void> {
  const { db } = sdb;
  // the platform's own categories only: an administrator's categories hold their operations like `default`
  const existing = await db
    .selectFrom('operations')
    .selectAll()
    .where('category_id', 'in', [...platformCategoryIds])
    .execute();
  const byName = new Map(existing.map((r) => [r.name, r]));
  const links = await db
    .selectFrom('scope_operations')
    .innerJoin('operations', 'operations.id', 'scope_operations.operation_id')
    .select(['scope_operations.operation_id', 'scope_operations.scope_id'])
    .where('operations.category_id', 'in', [...platformCategoryIds])
    .execute();
  const linked = new Set(links.map((l) => `${l.operation_id}:${l.scope_id}`));
  // a route the API's own operations held before the platform claimed it (`GET /`) stays theirs
  const userRoutes = new Set(
    (
      await db
        .selectFrom('operations')
        .select(['http_method', 'http_path'])
        .where('category_id', 'not in', [...platformCategoryIds])
        .execute()
    ).map((r) => `${r.http_method} ${r.http_path}`),
  );
  const now = Date.now();
  const wantedNames = new Set<string>();
  const inserts: Insertable<OperationTable>[] = [];
  for (const op of operations) {
    if (userRoutes.has(`${op.method} ${op.path}`)) continue;
    wantedNames.add(op.name);
    const category = Category[categoryOf(op.name) as keyof typeof Category] ?? Category.system;
    const values = {
      category_id: category,
      status: 1,
      active: 1,
      public: op.public ? 1 : 0,
      stability: 2,
      description: op.description ?? null,
      http_method: op.method,
      http_path: op.path,
      http_code: op.httpCode ?? 200,
      name: op.name,
      action: `system://${op.name}`,
    };
    const row = byName.get(op.name);
    if (!row) {
      inserts.push({
        ...values,
        parameters: null,
        incoming: null,
        outgoing: null,
        throws: null,
        costs: null,
        metadata: null,
        updated_at: now,
      });
    } else if ((Object.keys(values) as (keyof typeof values)[]).some((k) => row[k] !== values[k])) {
      await db
        .updateTable('operations')
        .set({ ...values, updated_at: now })
        .where('id', '=', row.id)
        .execute();
    }
  }
  // one statement for a fresh install instead of one per operation
  for (let i = 0; i < inserts.length; i += 200) {
    await db
      .insertInto('operations')
      .values(inserts.slice(i, i + 200))
      .execute();
  }
  const ids = new Map(
    (
      await db
        .selectFrom('operations')
        .select(['id', 'name'])
        .where('category_id', 'in', [...platformCategoryIds])
        .execute()
    ).map((r) => [r.name, r.id]),
  );
  const newLinks: { scope_id: number; operation_id: number; allow: number }[] = [];
  for (const op of operations) {
    const scope = scopeOf(op);
    const scopeId = scope ? scopeIds.get(scope) : undefined;
    const id = ids.get(op.name);
    if (scopeId !== undefined && id !== undefined && !linked.has(`${id}:${scopeId}`)) {
      newLinks.push({ scope_id: scopeId, operation_id: id, allow: 1 });
    }
  }
  for (let i = 0; i < newLinks.length; i += 200) {
    await db
      .insertInto('scope_operations')
      .values(newLinks.slice(i, i + 200))
      .execute();
  }
  const stale = existing.filter((r) => !wantedNames.has(r.name)).map((r) => r.id);
  if (stale.length > 0) {
    await db.deleteFrom('scope_operations').where('operation_id', 'in', stale).execute();
    await db.deleteFrom('operations').where('id', 'in', stale).execute();
  }
}
