import type { BackendOperation, BackendRole, BackendScope } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Applier,
  deployConfiguration,
  describeChanges,
  exportConfiguration,
  operationsByName,
} from '../src/api/configuration/engine.js';
import { parseConfiguration } from '../src/api/configuration/file.js';
import { platformOperations } from '../src/api/index.js';
import type { Caller } from '../src/auth/caller.js';
import type { SystemDatabase } from '../src/db/database.js';
import { installDefaults } from '../src/runtime/seed.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const operations = operationsByName(platformOperations);
const operator: Caller = { user: null, app: null, token: null, scopes: ['authorization', 'backend', 'consumer'] };
const applier: Applier = { caller: operator, label: 'deploy test.yaml', ip: '127.0.0.1' };
const builtIn = ['default', 'backend', 'consumer', 'system', 'authorization'];

/** Portico's addition to the SDK's types: the category an operation, scope or role is in (absent: default). */
type InCategory = { categoryId?: number };

async function categories(h: Harness): Promise<Map<string, number>> {
  const list = await h.admin.backend().category().getAll(0, 100);
  return new Map((list.entry ?? []).map((c) => [String(c.name), Number(c.id)]));
}

async function deploy(h: Harness, yaml: string, options: { prune?: boolean; dryRun?: boolean } = {}) {
  return deployConfiguration(h.portico.platform, operations, applier, parseConfiguration(yaml), {
    env: {},
    prune: options.prune ?? false,
    dryRun: options.dryRun ?? false,
  });
}

describe.each(await systemDatabases())(
  'categories in the configuration file on $kind',
  { timeout: 240_000 },
  (database) => {
    let source: Harness;
    let target: Harness;
    let exported: string;

    beforeAll(async () => {
      [source, target] = await Promise.all([startHarness(database), startHarness(database)]);
      const backend = source.admin.backend();
      await backend.category().create({ name: 'Shop' });
      await backend.category().create({ name: 'Legacy' });
      const shop = (await categories(source)).get('Shop');
      await backend.action().create({
        name: 'hello',
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: { hello: 'shop' } },
      });
      await backend.scope().create({ name: 'shop.read', description: 'Read the shop', categoryId: shop } as never);
      await backend.operation().create({
        name: 'shop.list',
        httpMethod: 'GET',
        httpPath: '/shop',
        action: 'hello',
        public: true,
        stability: 1,
        scopes: ['shop.read'],
        categoryId: shop,
      } as never);
      // a stable operation serves the action as it was pinned: in a category of one's own too
      await backend.operation().create({
        name: 'shop.stable',
        httpMethod: 'GET',
        httpPath: '/shop/stable',
        action: 'hello',
        public: true,
        stability: 2,
        categoryId: shop,
      } as never);
      await backend.operation().create({
        name: 'hello.get',
        httpMethod: 'GET',
        httpPath: '/hello',
        action: 'hello',
        public: true,
        stability: 1,
      });
      await backend.role().create({ name: 'Shopkeeper', categoryId: shop, scopes: ['shop.read'] });
      // a scope may name the operations of a category of one's own, a folder may hold them
      const shopList = (await backend.operation().get('~shop.list')).id as number;
      const scoped = await backend
        .scope()
        .update('~shop.read', { operations: [{ operationId: shopList, allow: true }] });
      expect(scoped.success).toBe(true);
      await backend.taxonomy().create({ name: 'Storefront' });
      const folder = await backend.taxonomy().get('~Storefront');
      await backend.taxonomy().move(String(folder.id), { operations: [shopList] });
      exported = (await exportConfiguration(source.portico.platform, operations, operator)).yaml;
    });

    afterAll(async () => {
      await source?.close();
      await target?.close();
    });

    it('exports the categories an administrator made, and what is in them by the category name', () => {
      const file = parseConfiguration(exported);
      expect(file.entries('categories')).toEqual([{ name: 'Shop' }, { name: 'Legacy' }]);
      expect(file.entries('scopes')).toEqual([{ name: 'shop.read', description: 'Read the shop', category: 'Shop' }]);
      const byName = new Map(file.entries('operations').map((o) => [o.name, o]));
      expect(byName.get('shop.list')).toMatchObject({ category: 'Shop', scopes: ['shop.read'] });
      // `default` is what an entry without a category is in
      expect(byName.get('hello.get')).not.toHaveProperty('category');
      expect(file.entries('roles').find((r) => r.name === 'Shopkeeper')).toEqual({
        name: 'Shopkeeper',
        category: 'Shop',
        scopes: ['shop.read'],
      });
      expect(file.entries('roles').find((r) => r.name === 'Consumer')).not.toHaveProperty('category');
      expect(file.entries('taxonomies')).toEqual([{ name: 'Storefront', operations: ['shop.list'] }]);
      // the platform's own operations and scopes are never in the file (nor the built-in categories, above)
      expect([...byName.keys()].some((name) => String(name).startsWith('backend.'))).toBe(false);
    });

    it('deploys into an empty installation: the categories first, then what is in them', async () => {
      const result = await deploy(target, exported);
      expect(result.applied).toBe(true);
      const created = result.changes.map((c) => `${c.verb} ${c.kind} ${c.key}`);
      const at = (line: string) => {
        expect(created).toContain(line);
        return created.indexOf(line);
      };
      expect(at('create categories Shop')).toBeLessThan(at('create scopes shop.read'));
      expect(at('create categories Legacy')).toBeLessThan(at('create operations shop.list'));

      const ids = await categories(target);
      expect([...ids.keys()].sort()).toEqual([...builtIn, 'Legacy', 'Shop'].sort());
      const shop = ids.get('Shop');
      const backend = target.admin.backend();
      const operation = (await backend.operation().get('~shop.list')) as BackendOperation & InCategory;
      expect(operation.categoryId).toBe(shop);
      expect(operation.scopes).toEqual(['shop.read']);
      expect(((await backend.operation().get('~hello.get')) as BackendOperation & InCategory).categoryId).toBe(
        undefined,
      );
      expect(((await backend.scope().get('~shop.read')) as BackendScope & InCategory).categoryId).toBe(shop);
      expect(((await backend.role().get('~Shopkeeper')) as BackendRole).categoryId).toBe(shop);
      // the gateway serves an operation of an administrator's category
      const answer = await target.fetch('/shop');
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ hello: 'shop' });
      const stable = await target.fetch('/shop/stable');
      expect(stable.status).toBe(200);
      expect(await stable.json()).toEqual({ hello: 'shop' });
    });

    it('keeps operations of its own categories when the installation starts again', async () => {
      const { platform } = target.portico;
      // what every start runs: it syncs the platform's own operations and must leave the administrator's alone
      await installDefaults({ db: platform.db, dialect: platform.dialect } as SystemDatabase, platformOperations);
      const operation = (await target.admin.backend().operation().get('~shop.list')) as BackendOperation & InCategory;
      expect(operation.categoryId).toBe((await categories(target)).get('Shop'));
      expect(operation.scopes).toEqual(['shop.read']);
    });

    it('a second deploy of the same file changes nothing, and the target exports the same file', async () => {
      const again = await deploy(target, exported);
      expect(again.changes).toEqual([]);
      expect(describeChanges(again.changes)).toEqual(['No changes: the installation already matches the file.']);
      const back = parseConfiguration((await exportConfiguration(target.portico.platform, operations, operator)).yaml);
      const original = parseConfiguration(exported);
      for (const list of ['categories', 'scopes', 'operations', 'roles']) {
        expect(back.entries(list)).toEqual(original.entries(list));
      }
    });

    it('refuses a category that neither the file nor the installation has, and one of the platform, changing nothing', async () => {
      const unknown = exported.replace('category: Shop', 'category: Warehouse');
      await expect(deploy(target, unknown)).rejects.toThrow(
        /^line \d+: .*refers to category "Warehouse", which neither the file nor the installation has/,
      );
      const platformOwn = exported.replace(
        /(- name: shop\.list\n(?: {4}.*\n)*? {4})category: Shop/,
        '$1category: backend',
      );
      expect(platformOwn).not.toEqual(exported);
      await expect(deploy(target, platformOwn)).rejects.toThrow(
        /^line \d+: operations "shop\.list" could not be changed: .*platform's own operations.*Nothing was changed/,
      );
      const operation = (await target.admin.backend().operation().get('~shop.list')) as BackendOperation & InCategory;
      expect(operation.categoryId).toBe((await categories(target)).get('Shop'));
    });

    it('a category the file gives an entry is a change of that entry', async () => {
      const plan = await deploy(target, exported.replace(/(- name: hello\.get\n)/, '$1    category: Shop\n'), {
        dryRun: true,
      });
      expect(plan.changes.map((c) => `${c.verb} ${c.kind} ${c.key} ${c.fields.join(',')}`)).toEqual([
        'update operations hello.get category',
      ]);
    });

    it("a folder's list is its whole content, operations of one's own categories included", async () => {
      const folderOf = async () =>
        (
          await target.portico.platform.db
            .selectFrom('operations')
            .select('taxonomy_id')
            .where('name', '=', 'shop.list')
            .executeTakeFirstOrThrow()
        ).taxonomy_id;
      expect(await folderOf()).not.toBe(null);
      const emptied = exported.replace(/(- name: Storefront\n {4}operations:)\n {6}- shop\.list\n/, '$1 []\n');
      expect(emptied).not.toEqual(exported);
      const result = await deploy(target, emptied);
      expect(result.changes.map((c) => `${c.verb} ${c.kind} ${c.key}`)).toEqual(['update taxonomies Storefront']);
      expect(await folderOf()).toBe(null);
      expect((await deploy(target, emptied)).changes).toEqual([]);
      // and back in
      expect((await deploy(target, exported)).changes).toHaveLength(1);
      expect(await folderOf()).not.toBe(null);
    });

    it('--prune deletes the categories the file dropped, after moving or deleting what they held', async () => {
      // the file drops both categories and the scope; the operation and the role move back to default
      const pruned = exported
        .replace(/categories:\n(?: {2}- name: .*\n)+/, 'categories: []\n')
        .replace(/scopes:\n {2}- name: shop\.read\n(?: {4}.*\n)+/, 'scopes: []\n')
        .replaceAll(/ {4}category: Shop\n/g, '')
        .replaceAll(/ {4}scopes:\n {6}- shop\.read\n/g, '    scopes: []\n')
        // the folder's list is its whole content: the operation leaves it
        .replace(/(- name: Storefront\n {4}operations:)\n {6}- shop\.list\n/, '$1 []\n');
      expect(parseConfiguration(pruned).entries('categories')).toEqual([]);

      const plan = await deploy(target, pruned, { prune: true, dryRun: true });
      const lines = plan.changes.map((c) => `${c.verb} ${c.kind} ${c.key}`);
      expect(lines).toEqual(
        expect.arrayContaining([
          'update operations shop.list',
          'update operations shop.stable',
          'update roles Shopkeeper',
          'update taxonomies Storefront',
          'delete scopes shop.read',
          'delete categories Shop',
          'delete categories Legacy',
        ]),
      );
      // a category goes after what it held
      expect(lines.indexOf('delete categories Shop')).toBeGreaterThan(lines.indexOf('delete scopes shop.read'));
      expect(lines.indexOf('delete categories Shop')).toBeGreaterThan(lines.indexOf('update operations shop.list'));
      expect(plan.changes.find((c) => c.key === 'shop.list')?.fields).toEqual(['scopes', 'category']);
      // a stable operation may change its category, not what it serves
      expect(plan.changes.find((c) => c.key === 'shop.stable')?.fields).toEqual(['category']);

      const result = await deploy(target, pruned, { prune: true });
      expect(result.applied).toBe(true);
      expect([...(await categories(target)).keys()].sort()).toEqual([...builtIn].sort());
      const backend = target.admin.backend();
      expect(((await backend.operation().get('~shop.list')) as BackendOperation & InCategory).categoryId).toBe(
        undefined,
      );
      expect(((await backend.role().get('~Shopkeeper')) as BackendRole).categoryId).toBe(1);
      expect(((await backend.operation().get('~shop.stable')) as BackendOperation & InCategory).categoryId).toBe(
        undefined,
      );
      expect((await target.fetch('/shop/stable')).status).toBe(200);
      const folder = await target.portico.platform.db
        .selectFrom('operations')
        .select('taxonomy_id')
        .where('name', '=', 'shop.list')
        .executeTakeFirstOrThrow();
      expect(folder.taxonomy_id).toBe(null);
      await expect(backend.scope().get('~shop.read')).rejects.toThrow();
      expect((await deploy(target, pruned, { prune: true })).changes).toEqual([]);
    });

    it('--prune refuses to delete a category that still holds what the file does not manage, naming it', async () => {
      const backend = target.admin.backend();
      await backend.category().create({ name: 'Kept' });
      const kept = (await categories(target)).get('Kept');
      // a file with only the categories list: it does not manage the operation it holds
      await backend.operation().update('~hello.get', { categoryId: kept } as never);
      await expect(deploy(target, 'version: 1\ncategories: []\n', { prune: true })).rejects.toThrow(
        /categories "Kept" could not be deleted: Category Kept still holds 1 operation.*Nothing was changed/,
      );
      expect((await categories(target)).has('Kept')).toBe(true);
    });
  },
);
