import type { Kysely } from 'kysely';
import { actionNameOf } from '../../actions/build.js';
import type { Unit } from '../../changes/unit.js';
import { secretFields } from '../../connections/secrets.js';
import type { EntityTable } from '../../db/entity-table.js';
import { defaultPages } from '../../db/migrations/data/default-pages.js';
import { Category, type Database, platformCategoryIds } from '../../db/schema.js';
import { banPrefix } from '../../firewall/repository.js';
import { identityProviders } from '../../identity/registry.js';
import { defaultRates } from '../../limits/defaults.js';
import type { JsonSchema } from '../../schema/json-schema.js';
import { isPassthrough, schemaNameOf, withoutPin } from '../../schema/names.js';
import { type OrganisedKey, organisedTables } from '../../taxonomies/tables.js';
import type { Platform } from '../platform.js';

/** One entity in the file: plain YAML values, references to other entities by name. */
export type Entry = Record<string, unknown>;

/** The tables an entry may name a row of. */
export type NamedTable = 'operations' | 'plans' | 'apps' | 'roles' | 'taxonomies' | 'categories' | OrganisedKey;

/** Names and ids of what the file refers to but does not hold (apps), or holds under another kind. */
export interface Lookup {
  nameOf(table: NamedTable, id: number): Promise<string | undefined>;
  idOf(table: NamedTable, name: string): Promise<number | undefined>;
  /** the names of what a taxonomy holds, per kind (sorted) */
  membersOf(taxonomyId: number): Promise<Partial<Record<OrganisedKey, string[]>>>;
  /** the allocations of the named rate that are for one user or one app: data, kept by an update */
  peopleAllocations(rateName: string): Promise<Record<string, unknown>[]>;
}

/** What a kind's follow-up work after its own create or update may use, inside the deploy's unit. */
export interface AfterWrite {
  readonly platform: Platform;
  readonly unit: Unit;
  readonly lookup: Lookup;
  /** runs another backend operation of the platform (audited as the deploy) */
  run(name: string, params: Record<string, string>, body: unknown): Promise<unknown>;
}

/** A reference from an entry to another entity, checked before anything is written. */
export interface Reference {
  readonly kind: string;
  readonly name: string;
  /** the path inside the entry, for the line of an error */
  readonly path: readonly (string | number)[];
}

/**
 * One kind of configuration entity: where its backend API is, what of it belongs in the file and how
 * the file's entry and the API's body translate into each other. Adding a kind is one entry in `kinds`.
 */
export interface EntityKind {
  /** the list in the file (`operations:`) */
  readonly list: string;
  /** the backend entity: `/backend/<entity>`, operations `backend.<entity>.<verb>`, scope `backend.<entity>` */
  readonly entity: string;
  /** the field that names an entry (unique in its list) */
  readonly key: string;
  /** the JSON Schema of one entry (the file's schema and editors use it) */
  readonly properties: Record<string, JsonSchema>;
  readonly required: readonly string[];
  readonly description: string;
  /** the rows the file manages: everything of the kind but the platform's own */
  readonly table: (platform: Platform) => EntityTable<keyof Database>;
  readonly managed?: (db: Kysely<Database>) => Promise<{ id: number; key: string }[]>;
  /** entries the platform seeds at start: exported and updated, never deleted by `--prune` */
  readonly seeded?: (key: string) => boolean;
  /** settings exist in every installation: only updated */
  readonly updateOnly?: boolean;
  /** the entry of a row, from the API's view of it (GET by id) */
  toEntry(view: Record<string, unknown>, lookup: Lookup): Promise<Entry>;
  /** the body of the create or update call for an entry */
  toBody(entry: Entry, lookup: Lookup): Promise<Record<string, unknown>>;
  /** what the entry refers to (checked against the file and the installation before any write) */
  references?(entry: Entry): Reference[];
  /** the entry in the form it is compared in (e.g. sorted lists, a category left out is `default`): both the file's and the installed one */
  normalise?(entry: Entry): Entry;
  /** work the entry needs after its create or update (`id` is the row's), in the same unit */
  afterWrite?(entry: Entry, id: number, context: AfterWrite): Promise<void>;
  /** names of the `config` fields that hold credentials (never exported) */
  secrets?(entry: Entry, platform: Platform): readonly string[];
  /** the stored config with its credentials, for comparing them (never shown) */
  revealed?(platform: Platform, db: Kysely<Database>, id: number): Promise<Record<string, unknown>>;
}

const str = { type: 'string' };
const metadata = { type: 'object', additionalProperties: { type: 'string' }, description: 'free-form labels' };
const names = (description: string) => ({ type: 'array', items: { type: 'string' }, description });
const configObject = (description: string) => ({ type: 'object', description });

/** Copies the fields an entry keeps from a view, leaving out what is absent or null. */
function pick(view: Record<string, unknown>, fields: readonly string[]): Entry {
  const entry: Entry = {};
  for (const field of fields) if (view[field] !== undefined && view[field] !== null) entry[field] = view[field];
  return entry;
}

/** The entry without the fields only the file has (they become ids in the body). */
function without(entry: Entry, ...fields: string[]): Entry {
  const copy = { ...entry };
  for (const field of fields) delete copy[field];
  return copy;
}

const scopeRefs = (entry: Entry, field = 'scopes'): Reference[] =>
  Array.isArray(entry[field])
    ? (entry[field] as unknown[]).map((name, i) => ({ kind: 'scopes', name: String(name), path: [field, i] }))
    : [];

function schemaRef(value: unknown, path: (string | number)[]): Reference[] {
  if (typeof value !== 'string' || isPassthrough(value)) return [];
  return [{ kind: 'schemas', name: schemaNameOf(value), path }];
}

function actionRef(value: unknown, path: (string | number)[]): Reference[] {
  if (typeof value !== 'string' || !value || (value.includes('://') && !value.startsWith('action://'))) return [];
  return [{ kind: 'actions', name: actionNameOf(value), path }];
}

async function required(lookup: Lookup, table: NamedTable, name: unknown) {
  const id = await lookup.idOf(table, String(name));
  if (id === undefined) {
    const word = table === 'taxonomies' ? 'taxonomy' : table === 'categories' ? 'category' : table.slice(0, -1);
    throw new Error(`${word} "${String(name)}" does not exist`);
  }
  return id;
}

/** The name of the category everything is in unless it names another (Fusio's `default`, id 1). */
export const defaultCategory = 'default';

const categoryField = {
  type: 'string',
  description: `the category (by name) it belongs to; \`${defaultCategory}\` when left out`,
};

/** The entry's `category` by name, from the API's `categoryId` (left out for `default`). */
async function withCategoryName(entry: Entry, view: Record<string, unknown>, lookup: Lookup): Promise<Entry> {
  if (typeof view.categoryId === 'number' && view.categoryId !== Category.default) {
    const name = await lookup.nameOf('categories', view.categoryId);
    if (name !== undefined) entry.category = name;
  }
  return entry;
}

/** The body without the entry's `category`, with the `categoryId` it names instead. */
async function withCategoryId(body: Record<string, unknown>, entry: Entry, lookup: Lookup) {
  delete body.category;
  if (entry.category !== undefined) body.categoryId = await required(lookup, 'categories', entry.category);
  return body;
}

const categoryRef = (entry: Entry): Reference[] =>
  entry.category === undefined ? [] : [{ kind: 'categories', name: String(entry.category), path: ['category'] }];

/** An entry compared as in the category `default` when it names none: leaving the field out moves it back. */
const inDefaultCategory = (entry: Entry): Entry => ({ ...entry, category: entry.category ?? defaultCategory });

const defaultRoleNames = new Set(['Administrator', 'Backend', 'Consumer']);
const defaultPageSlugs = new Set(defaultPages.map((p) => p.slug));
const defaultRateNames = new Set(defaultRates.map((r) => r.name));

const operationFields = [
  'name',
  'description',
  'httpMethod',
  'httpPath',
  'httpCode',
  'active',
  'public',
  'stability',
  'action',
  'parameters',
  'incoming',
  'outgoing',
  'throws',
  'costs',
  'scopes',
  'metadata',
];

/** Every kind of configuration, in the order they are applied (deletions run in reverse). */
export const kinds: readonly EntityKind[] = [
  {
    list: 'categories',
    entity: 'category',
    key: 'name',
    description:
      'Categories of your own that operations, scopes and roles belong to; the five built in (default, backend, consumer, system, authorization) are never in the file',
    properties: { name: str },
    required: ['name'],
    table: (p) => p.categories.table as unknown as EntityTable<keyof Database>,
    managed: (db) =>
      db
        .selectFrom('categories')
        .select(['id', 'name as key'])
        .where('id', '>', Category.authorization)
        .orderBy('id')
        .execute(),
    toEntry: async (view) => pick(view, ['name']),
    toBody: async (entry) => ({ name: entry.name }),
  },
  {
    list: 'connections',
    entity: 'connection',
    key: 'name',
    description: 'Connections to the systems actions use; credentials are `\u0024{env:NAME}` references',
    properties: { name: str, class: str, config: configObject('the connection class config'), metadata },
    required: ['name', 'class'],
    table: (p) => p.connectionConfigs.table as unknown as EntityTable<keyof Database>,
    toEntry: async (view) => pick(view, ['name', 'class', 'config', 'metadata']),
    toBody: async (entry) => entry,
    secrets: (entry, platform) => {
      const type = platform.connections.registry.get(String(entry.class));
      return type ? secretFields(type.config) : [];
    },
    async revealed(platform, db, id) {
      return platform.connectionConfigs.storedConfig(await platform.connectionConfigs.find(db, { id }));
    },
  },
  {
    list: 'schemas',
    entity: 'schema',
    key: 'name',
    description: 'JSON Schemas of request and response bodies',
    properties: { name: str, source: { type: 'object', description: 'the JSON Schema' }, metadata },
    required: ['name', 'source'],
    table: (p) => p.schemas.table as unknown as EntityTable<keyof Database>,
    toEntry: async (view) => pick(view, ['name', 'source', 'metadata']),
    toBody: async (entry) => entry,
  },
  {
    list: 'actions',
    entity: 'action',
    key: 'name',
    description: 'What operations run: SQL, HTTP, messaging, custom code',
    properties: {
      name: str,
      class: str,
      async: { type: 'boolean' },
      config: configObject('the action class config'),
      metadata,
    },
    required: ['name', 'class'],
    table: (p) => p.actionConfigs.table as unknown as EntityTable<keyof Database>,
    toEntry: async (view) => pick(view, ['name', 'class', 'async', 'config', 'metadata']),
    toBody: async (entry) => entry,
  },
  {
    list: 'events',
    entity: 'event',
    key: 'name',
    description: 'Events developers subscribe webhooks to',
    properties: { name: str, description: str, schema: str, metadata },
    required: ['name'],
    table: (p) => p.eventConfigs.table as unknown as EntityTable<keyof Database>,
    toEntry: async (view) => pick(view, ['name', 'description', 'schema', 'metadata']),
    toBody: async (entry) => entry,
    references: (entry) => schemaRef(entry.schema, ['schema']),
  },
  {
    list: 'scopes',
    entity: 'scope',
    key: 'name',
    description: 'Scopes that guard operations; operations, roles and plans name them',
    properties: { name: str, description: str, category: categoryField, metadata },
    required: ['name'],
    table: (p) => p.scopes.table as unknown as EntityTable<keyof Database>,
    // `default` and the other categories of the administrator's, never the platform's own scopes
    managed: (db) =>
      db
        .selectFrom('scopes')
        .select(['id', 'name as key'])
        .where('status', '=', 1)
        .where('category_id', 'not in', [...platformCategoryIds])
        .where('name', '!=', 'default')
        .orderBy('id')
        .execute(),
    toEntry: async (view, lookup) => withCategoryName(pick(view, ['name', 'description', 'metadata']), view, lookup),
    toBody: async (entry, lookup) => withCategoryId({ ...entry }, entry, lookup),
    references: categoryRef,
    normalise: inDefaultCategory,
  },
  {
    list: 'operations',
    entity: 'operation',
    key: 'name',
    description: 'The API: a method and path, the action that answers, schemas and scopes',
    properties: {
      name: str,
      description: str,
      httpMethod: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
      httpPath: { type: 'string', description: 'Fusio path syntax: /servers/:id' },
      httpCode: { type: 'integer' },
      active: { type: 'boolean' },
      public: { type: 'boolean' },
      stability: { type: 'integer', enum: [0, 1, 2, 3] },
      action: {
        type: 'string',
        description: 'the action by name (a stable operation keeps the version it was pinned to)',
      },
      parameters: { type: 'object' },
      incoming: { type: 'string', description: 'a schema by name, or Passthru' },
      outgoing: { type: 'string', description: 'a schema by name, or Passthru' },
      throws: { type: 'object', additionalProperties: { type: 'string' } },
      costs: { type: 'integer', minimum: 0 },
      scopes: names('scopes by name'),
      category: categoryField,
      metadata,
    },
    required: ['name', 'httpMethod', 'httpPath', 'action'],
    table: (p) => p.operations.table as unknown as EntityTable<keyof Database>,
    toEntry: async (view, lookup) => {
      const entry = await withCategoryName(pick(view, operationFields), view, lookup);
      // a stable operation's pins (action://name@hash) are the installation's, not the file's: the file names
      if (typeof entry.action === 'string') entry.action = actionNameOf(entry.action);
      for (const field of ['incoming', 'outgoing'] as const) {
        if (typeof entry[field] === 'string') entry[field] = withoutPin(entry[field] as string);
      }
      if (entry.throws && typeof entry.throws === 'object') {
        entry.throws = Object.fromEntries(
          Object.entries(entry.throws as Record<string, unknown>).map(([code, schema]) => [
            code,
            typeof schema === 'string' ? withoutPin(schema) : schema,
          ]),
        );
      }
      return entry;
    },
    toBody: async (entry, lookup) => withCategoryId({ ...entry }, entry, lookup),
    normalise: inDefaultCategory,
    references: (entry) => [
      ...categoryRef(entry),
      ...actionRef(entry.action, ['action']),
      ...schemaRef(entry.incoming, ['incoming']),
      ...schemaRef(entry.outgoing, ['outgoing']),
      ...Object.entries((entry.throws as Record<string, unknown> | undefined) ?? {}).flatMap(([code, schema]) =>
        schemaRef(schema, ['throws', code]),
      ),
      ...scopeRefs(entry),
    ],
  },
  {
    list: 'roles',
    entity: 'role',
    key: 'name',
    description: 'Roles of users and the scopes they grant',
    properties: { name: str, category: categoryField, scopes: names('scopes by name') },
    required: ['name'],
    table: (p) => p.roles.table as unknown as EntityTable<keyof Database>,
    seeded: (name) => defaultRoleNames.has(name),
    toEntry: async (view, lookup) => withCategoryName(pick(view, ['name', 'scopes']), view, lookup),
    toBody: async (entry, lookup) => withCategoryId({ ...entry }, entry, lookup),
    normalise: inDefaultCategory,
    references: (entry) => [...categoryRef(entry), ...scopeRefs(entry)],
  },
  {
    list: 'plans',
    entity: 'plan',
    key: 'name',
    description: 'Plans developers subscribe to, with the scopes and points they give',
    properties: {
      name: str,
      description: str,
      price: { type: 'number', minimum: 0 },
      points: { type: 'integer', minimum: 0 },
      period: { type: 'integer', enum: [0, 1], description: '0 one-time purchase, 1 subscription' },
      externalId: str,
      scopes: names('scopes by name'),
      metadata,
    },
    required: ['name'],
    table: (p) => p.plans.table as unknown as EntityTable<keyof Database>,
    toEntry: async (view) =>
      pick(view, ['name', 'description', 'price', 'points', 'period', 'externalId', 'scopes', 'metadata']),
    toBody: async (entry) => entry,
    references: (entry) => scopeRefs(entry),
  },
  {
    list: 'rates',
    entity: 'rate',
    key: 'name',
    description: 'Rate limits and whom they apply to (operations, plans, authenticated callers)',
    properties: {
      name: str,
      priority: { type: 'integer' },
      rateLimit: { type: 'integer', minimum: 0 },
      timespan: { type: 'string', description: 'ISO 8601 duration: PT1H' },
      allocation: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          properties: { operation: str, plan: str, authenticated: { type: 'boolean' } },
        },
      },
      metadata,
    },
    required: ['name', 'rateLimit', 'timespan'],
    table: (p) => p.rates.table as unknown as EntityTable<keyof Database>,
    seeded: (name) => defaultRateNames.has(name),
    async toEntry(view, lookup) {
      const entry = pick(view, ['name', 'priority', 'rateLimit', 'timespan', 'metadata']);
      const allocation: Entry[] = [];
      for (const a of (view.allocation as Record<string, unknown>[] | undefined) ?? []) {
        // a rate for one user or one app is about people, not configuration: it stays where it is
        if (a.userId !== undefined || a.appId !== undefined) continue;
        const item: Entry = {};
        if (typeof a.operationId === 'number') item.operation = await lookup.nameOf('operations', a.operationId);
        if (typeof a.planId === 'number') item.plan = await lookup.nameOf('plans', a.planId);
        if (typeof a.authenticated === 'boolean') item.authenticated = a.authenticated;
        allocation.push(item);
      }
      entry.allocation = allocation;
      return entry;
    },
    async toBody(entry, lookup) {
      const body = without(entry, 'allocation');
      if (Array.isArray(entry.allocation)) {
        const allocation: Record<string, unknown>[] = [];
        for (const a of entry.allocation as Entry[]) {
          const item: Record<string, unknown> = {};
          if (a.operation !== undefined) item.operationId = await required(lookup, 'operations', a.operation);
          if (a.plan !== undefined) item.planId = await required(lookup, 'plans', a.plan);
          if (a.authenticated !== undefined) item.authenticated = a.authenticated;
          allocation.push(item);
        }
        // the API replaces every allocation: the ones for one user or app are not the file's to drop
        allocation.push(...(await lookup.peopleAllocations(String(entry.name))));
        body.allocation = allocation;
      }
      return body;
    },
    references: (entry) =>
      ((entry.allocation as Entry[] | undefined) ?? []).flatMap((a, i) => [
        ...(a.operation !== undefined
          ? [{ kind: 'operations', name: String(a.operation), path: ['allocation', i, 'operation'] }]
          : []),
        ...(a.plan !== undefined ? [{ kind: 'plans', name: String(a.plan), path: ['allocation', i, 'plan'] }] : []),
      ]),
  },
  {
    list: 'identities',
    entity: 'identity',
    key: 'name',
    description: 'Identity providers developers log in with; client secrets are `\u0024{env:NAME}` references',
    properties: {
      name: str,
      class: str,
      app: { type: 'string', description: 'the app (by name) the login belongs to' },
      role: { type: 'string', description: 'the role (by name) of accounts it creates' },
      icon: str,
      allowCreate: { type: 'boolean' },
      config: configObject('the provider class config'),
    },
    required: ['name', 'class', 'app'],
    table: (p) => p.identities.table as unknown as EntityTable<keyof Database>,
    async toEntry(view, lookup) {
      const entry = pick(view, ['name', 'class', 'icon', 'allowCreate', 'config']);
      if (typeof view.appId === 'number') entry.app = await lookup.nameOf('apps', view.appId);
      if (typeof view.roleId === 'number') entry.role = await lookup.nameOf('roles', view.roleId);
      return entry;
    },
    async toBody(entry, lookup) {
      const body = without(entry, 'app', 'role');
      if (entry.app !== undefined) body.appId = await required(lookup, 'apps', entry.app);
      if (entry.role !== undefined) body.roleId = await required(lookup, 'roles', entry.role);
      return body;
    },
    references: (entry) => [
      { kind: 'apps', name: String(entry.app), path: ['app'] },
      ...(entry.role !== undefined ? [{ kind: 'roles', name: String(entry.role), path: ['role'] }] : []),
    ],
    secrets: (entry) => {
      const type = identityProviders.get(String(entry.class));
      return type ? secretFields(type.config) : [];
    },
    async revealed(platform, db, id) {
      return platform.identities.config(await platform.identities.find(db, { id }));
    },
  },
  {
    list: 'pages',
    entity: 'page',
    key: 'slug',
    description: 'Pages of the developer portal (Markdown with placeholders)',
    properties: {
      slug: str,
      title: str,
      status: { type: 'integer', enum: [1, 2], description: '1 visible, 2 invisible' },
      content: str,
      metadata,
    },
    required: ['slug', 'title'],
    table: (p) => p.pages.table as unknown as EntityTable<keyof Database>,
    seeded: (slug) => defaultPageSlugs.has(slug),
    toEntry: async (view) => pick(view, ['slug', 'title', 'status', 'content', 'metadata']),
    toBody: async (entry) => entry,
  },
  {
    list: 'forms',
    entity: 'form',
    key: 'name',
    description: 'Forms of the developer portal: a UI schema for an operation (by name)',
    properties: {
      name: str,
      operation: { type: 'string', description: 'the operation (by name) the form sends its answers to' },
      uiSchema: { type: 'object', description: 'react-jsonschema-form style UI schema' },
      metadata,
    },
    required: ['name', 'operation'],
    table: (p) => p.forms.table as unknown as EntityTable<keyof Database>,
    async toEntry(view, lookup) {
      const entry = pick(view, ['name', 'uiSchema', 'metadata']);
      if (typeof view.operationId === 'number') entry.operation = await lookup.nameOf('operations', view.operationId);
      return entry;
    },
    async toBody(entry, lookup) {
      const body = without(entry, 'operation');
      body.operationId = await required(lookup, 'operations', entry.operation);
      return body;
    },
    references: (entry) => [{ kind: 'operations', name: String(entry.operation), path: ['operation'] }],
  },
  {
    list: 'triggers',
    entity: 'trigger',
    key: 'name',
    description: 'Actions run when an event is dispatched',
    properties: { name: str, event: str, action: str, metadata },
    required: ['name', 'event', 'action'],
    table: (p) => p.triggers.table as unknown as EntityTable<keyof Database>,
    toEntry: async (view) => pick(view, ['name', 'event', 'action', 'metadata']),
    toBody: async (entry) => entry,
    references: (entry) => [
      { kind: 'events', name: String(entry.event), path: ['event'] },
      ...actionRef(entry.action, ['action']),
    ],
  },
  {
    list: 'cronjobs',
    entity: 'cronjob',
    key: 'name',
    description: 'Actions run on a schedule',
    properties: { name: str, cron: str, action: str, metadata },
    required: ['name', 'cron', 'action'],
    table: (p) => p.cronjobs.table as unknown as EntityTable<keyof Database>,
    toEntry: async (view) => pick(view, ['name', 'cron', 'action', 'metadata']),
    toBody: async (entry) => entry,
    references: (entry) => actionRef(entry.action, ['action']),
  },
  {
    list: 'taxonomies',
    entity: 'taxonomy',
    key: 'name',
    description:
      "Folders of the admin app and what they hold, by name; a list given is the folder's whole content of that kind",
    properties: {
      name: str,
      parent: { type: 'string', description: 'the taxonomy (by name, listed before this one) it is nested in' },
      ...Object.fromEntries(Object.keys(organisedTables).map((list) => [list, names(`${list} by name`)])),
    },
    required: ['name'],
    table: (p) => p.taxonomies.table as unknown as EntityTable<keyof Database>,
    // parents before their children, so the file creates them in order
    async managed(db) {
      const rows = await db.selectFrom('taxonomies').select(['id', 'name', 'parent_id']).orderBy('id').execute();
      const ordered: { id: number; key: string }[] = [];
      const placed = new Set<number>();
      const byId = new Map(rows.map((r) => [r.id, r]));
      const place = (row: (typeof rows)[number], depth: number) => {
        if (placed.has(row.id) || depth > 64) return;
        const parent = row.parent_id === null ? undefined : byId.get(row.parent_id);
        if (parent) place(parent, depth + 1);
        placed.add(row.id);
        ordered.push({ id: row.id, key: row.name });
      };
      for (const row of rows) place(row, 0);
      return ordered;
    },
    async toEntry(view, lookup) {
      const entry = pick(view, ['name']);
      if (typeof view.parentId === 'number') entry.parent = await lookup.nameOf('taxonomies', view.parentId);
      const members = await lookup.membersOf(Number(view.id));
      for (const list of Object.keys(organisedTables) as OrganisedKey[]) {
        if (members[list]?.length) entry[list] = members[list];
      }
      return entry;
    },
    async toBody(entry, lookup) {
      const body: Record<string, unknown> = { name: entry.name };
      if (entry.parent !== undefined) body.parentId = await required(lookup, 'taxonomies', entry.parent);
      return body;
    },
    normalise(entry) {
      const copy = { ...entry };
      for (const list of Object.keys(organisedTables)) {
        if (Array.isArray(copy[list])) copy[list] = [...(copy[list] as unknown[]).map(String)].sort();
      }
      return copy;
    },
    async afterWrite(entry, id, { platform, unit, lookup, run }) {
      const move: Partial<Record<OrganisedKey, number[]>> = {};
      for (const list of Object.keys(organisedTables) as OrganisedKey[]) {
        if (!Array.isArray(entry[list])) continue;
        const ids: number[] = [];
        for (const name of entry[list] as unknown[]) ids.push(await required(lookup, list, name));
        move[list] = ids;
      }
      if (Object.keys(move).length === 0) return;
      await run('backend.taxonomy.move', { taxonomy_id: String(id) }, move);
      await platform.taxonomies.release(unit, { id }, move);
    },
    references: (entry) => [
      ...(entry.parent !== undefined ? [{ kind: 'taxonomies', name: String(entry.parent), path: ['parent'] }] : []),
      ...Object.keys(organisedTables).flatMap((list) =>
        Array.isArray(entry[list])
          ? (entry[list] as unknown[]).map((name, i) => ({ kind: list, name: String(name), path: [list, i] }))
          : [],
      ),
    ],
  },
  {
    list: 'firewall',
    entity: 'firewall',
    key: 'name',
    description:
      'Allow (1) and deny (0) rules for addresses and CIDR ranges; automatic bans (Ban-…) are never in the file',
    properties: {
      name: str,
      type: { type: 'integer', enum: [0, 1], description: '0 deny, 1 allow' },
      ip: { type: 'string', description: 'an IPv4 or IPv6 address or CIDR range' },
      expire: { type: ['string', 'null'], description: 'ISO 8601 date and time the rule lapses; null never' },
      metadata,
    },
    required: ['name', 'type', 'ip'],
    table: (p) => p.firewallRules.table as unknown as EntityTable<keyof Database>,
    managed: (db) =>
      db
        .selectFrom('firewall')
        .select(['id', 'name as key'])
        .where('name', 'not like', `${banPrefix}%`)
        .orderBy('id')
        .execute(),
    toEntry: async (view) => pick(view, ['name', 'type', 'ip', 'expire', 'metadata']),
    toBody: async (entry) => entry,
  },
  {
    list: 'config',
    entity: 'config',
    key: 'name',
    description: 'Settings of the installation by name (secret settings are never exported)',
    properties: { name: str, value: {} },
    required: ['name', 'value'],
    table: (p) => p.configValues.table as unknown as EntityTable<keyof Database>,
    managed: (db) =>
      db.selectFrom('config').select(['id', 'name as key']).where('type', '!=', secretSettingType).execute(),
    updateOnly: true,
    toEntry: async (view) => pick(view, ['name', 'value']),
    toBody: async (entry) => ({ value: entry.value }),
  },
];

/** The type of a setting whose value is a credential (shown masked, never exported). */
export const secretSettingType = 7;

export const kindByList: ReadonlyMap<string, EntityKind> = new Map(kinds.map((k) => [k.list, k]));
