import type { Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import type { CommitView } from '../changes/history.js';
import type { Unit } from '../changes/unit.js';
import type { EntityTable } from '../db/entity-table.js';
import type { Collection, EntityRef, Paging } from '../db/listing.js';
import type { Database } from '../db/schema.js';
import { badRequest, notFound } from '../errors.js';
import { entityRef, filterByQuery, paging, type QueryFilter, queryString } from '../http/query.js';
import type { JsonSchema } from '../schema/json-schema.js';
import { isTrashType, type TrashType } from '../trash/repository.js';
import { created, message } from './http.js';
import type { Platform } from './platform.js';
import { idOrName, type SystemCall, type SystemOperation, systemOperation } from './system-operation.js';

/**
 * What the five operations of a backend entity need from its repository. Writes take the unit the
 * handler opens (so the audit row the call owes commits with them) and the scopes of the calling token
 * (`grantor`), for repositories that must not let it hand out more than it holds.
 */
export interface EntityStore<Row, Create, Update> {
  page<T>(
    db: Kysely<Database>,
    paging: Paging,
    map: (row: Row) => T,
    // biome-ignore lint/suspicious/noExplicitAny: narrows the listing of whichever table the entity has
    narrow?: (query: SelectQueryBuilder<any, any, any>) => SelectQueryBuilder<any, any, any>,
  ): Promise<unknown>;
  find(db: Kysely<Database>, ref: EntityRef): Promise<Row>;
  create(unit: Unit, input: Create, grantor: readonly string[]): Promise<number>;
  update(unit: Unit, ref: EntityRef, input: Update, grantor: readonly string[]): Promise<number>;
  delete(unit: Unit, ref: EntityRef): Promise<number>;
}

// biome-ignore lint/suspicious/noExplicitAny: see EntityStore.page
type AnySelect = SelectQueryBuilder<any, any, any>;

type Verb = 'getAll' | 'create' | 'get' | 'update' | 'delete';

export interface EntitySpec<Row, Create, Update> {
  /** as Fusio names it: `scope` gives backend.scope.getAll, /backend/scope and /backend/scope/$scope_id */
  readonly entity: string;
  /** the word in the answers: "Scope successfully created" */
  readonly label: string;
  readonly store: (platform: Platform) => EntityStore<Row, Create, Update>;
  /** the body's JSON Schema; `required` applies to create only (an update changes what it is given) */
  readonly body: JsonSchema;
  readonly required: readonly string[];
  /** query parameters that narrow the collection beside `search` */
  readonly filters?: Record<string, QueryFilter>;
  /** a row in the collection */
  readonly summary: (row: Row) => unknown;
  /** the row on its own (GET by id or `~name`) */
  readonly detail: (row: Row, platform: Platform) => unknown;
  /**
   * Before the unit opens (reads go through the pool, slow work such as a password hash or a
   * connection test happens outside the transaction): the body as the repository takes it, and the
   * checks of what the caller may do with this entity. Without it the body goes to the repository as is.
   */
  readonly prepare?: {
    readonly create?: (body: unknown, call: SystemCall) => Create | Promise<Create>;
    readonly update?: (body: unknown, call: SystemCall, ref: EntityRef) => Update | Promise<Update>;
    readonly delete?: (call: SystemCall, ref: EntityRef) => void | Promise<void>;
  };
  /** the answer to a create, when it says more than the id (a secret shown once) */
  readonly created?: (id: number, input: Create, call: SystemCall) => unknown;
  /** the audit log's copy of a body with credentials the generic mask cannot know */
  readonly auditBody?: SystemOperation['auditBody'];
  readonly descriptions?: Partial<Record<Verb, string>>;
}

/**
 * The collection, create, get, update and delete operations of a backend entity, the same for every
 * entity: handlers translate HTTP to repository calls and nothing else.
 */
export function entityOperations<Row, Create, Update>(spec: EntitySpec<Row, Create, Update>): SystemOperation[] {
  const base = `/backend/${spec.entity}`;
  const param = `${spec.entity}_id`;
  const one = `${base}/$${param}<${idOrName}>`;
  const name = (verb: Verb) => `backend.${spec.entity}.${verb}`;
  const described = (verb: Verb) => (spec.descriptions?.[verb] ? { description: spec.descriptions[verb] } : {});
  const audited = spec.auditBody ? { auditBody: spec.auditBody } : {};
  return [
    systemOperation({
      name: name('getAll'),
      method: 'GET',
      path: base,
      ...described('getAll'),
      handler({ platform, request }) {
        const filters = spec.filters;
        const narrow = filters ? (query: AnySelect) => filterByQuery(query, request.query, filters) : undefined;
        return spec.store(platform).page(platform.db, paging(request.query), spec.summary, narrow);
      },
    }),
    systemOperation({
      name: name('create'),
      method: 'POST',
      path: base,
      httpCode: 201,
      ...described('create'),
      ...audited,
      incoming: spec.required.length > 0 ? { ...spec.body, required: [...spec.required] } : spec.body,
      async handler(call) {
        const body = call.request.body;
        const input = spec.prepare?.create ? await spec.prepare.create(body, call) : (body as Create);
        const store = spec.store(call.platform);
        const id = await call.platform.changes.write(call, (unit) => store.create(unit, input, call.caller.scopes));
        return spec.created ? spec.created(id, input, call) : created(`${spec.label} successfully created`, id);
      },
    }),
    systemOperation({
      name: name('get'),
      method: 'GET',
      path: one,
      ...described('get'),
      async handler({ platform, request }) {
        const row = await spec.store(platform).find(platform.db, entityRef(request.params[param]));
        return spec.detail(row, platform);
      },
    }),
    systemOperation({
      name: name('update'),
      method: 'PUT',
      path: one,
      ...described('update'),
      ...audited,
      incoming: spec.body,
      async handler(call) {
        const ref = entityRef(call.request.params[param]);
        const body = call.request.body;
        const input = spec.prepare?.update ? await spec.prepare.update(body, call, ref) : (body as Update);
        const store = spec.store(call.platform);
        const id = await call.platform.changes.write(call, (unit) =>
          store.update(unit, ref, input, call.caller.scopes),
        );
        return message(`${spec.label} successfully updated`, id);
      },
    }),
    systemOperation({
      name: name('delete'),
      method: 'DELETE',
      path: one,
      ...described('delete'),
      async handler(call) {
        const ref = entityRef(call.request.params[param]);
        await spec.prepare?.delete?.(call, ref);
        const store = spec.store(call.platform);
        // the trash keeps the view read now, through the pool: inside the unit it could not be read on SQLite
        const trashed = isTrashType(spec.entity) ? await trashCopy(spec, call, ref) : undefined;
        const id = await call.platform.changes.write(call, async (unit) => {
          const deleted = await store.delete(unit, ref);
          if (trashed) await call.platform.trash.put(unit, trashed.type, deleted, trashed.name, trashed.view);
          return deleted;
        });
        return message(`${spec.label} successfully deleted`, id);
      },
    }),
  ];
}

/** A repository that keeps each version of its entity (actions, schemas). */
export interface HistoryStore {
  history(db: Kysely<Database>, ref: EntityRef, paging: Paging): Promise<Collection<CommitView>>;
}

/**
 * `GET /backend/<entity>/$<entity>_id/commit`: the versions of an entity, newest first, each with the
 * content under the name Fusio gives it (`config` for actions, `schema` for schemas).
 */
export function historyOperation(entity: string, store: (platform: Platform) => HistoryStore, field: string) {
  return systemOperation({
    name: `backend.${entity}.getCommits`,
    method: 'GET',
    path: `/backend/${entity}/$${entity}_id<${idOrName}>/commit`,
    async handler({ platform, request }) {
      const ref = entityRef(request.params[`${entity}_id`]);
      const history = await store(platform).history(platform.db, ref, paging(request.query));
      return { ...history, entry: history.entry.map(({ content, ...rest }) => ({ ...rest, [field]: content })) };
    },
  });
}

/** A plugin type as the admin app lists it (an action, connection or identity provider class). */
interface PluginClass {
  readonly name: string;
  readonly class: string;
  readonly description?: string;
  readonly config: JsonSchema;
}

export interface ClassSpec<T extends PluginClass> {
  /** `action` gives backend.action.getClasses at /backend/action/list and getForm at /backend/action/form */
  readonly entity: string;
  readonly label: string;
  /** the key of the list in the answer (`actions`, `connections`, `providers`) */
  readonly listKey: string;
  readonly types: (platform: Platform) => readonly T[];
  readonly find: (platform: Platform, className: string) => T | undefined;
  /** the form of a class's config; by default its JSON Schema as a form */
  readonly form: (type: T, platform: Platform) => unknown;
  readonly descriptions?: { readonly list?: string; readonly form?: string };
  /** the list shows each class's description (Fusio does for actions and connections) */
  readonly withDescription?: boolean;
}

/** The classes a plugin entity can be made of, and the config form of one (`?class=`). */
export function classOperations<T extends PluginClass>(spec: ClassSpec<T>): SystemOperation[] {
  return [
    systemOperation({
      name: `backend.${spec.entity}.getClasses`,
      method: 'GET',
      path: `/backend/${spec.entity}/list`,
      ...(spec.descriptions?.list ? { description: spec.descriptions.list } : {}),
      handler: ({ platform }) => ({
        [spec.listKey]: spec.types(platform).map((type) => ({
          name: type.name,
          class: type.class,
          ...(spec.withDescription && type.description ? { description: type.description } : {}),
        })),
      }),
    }),
    systemOperation({
      name: `backend.${spec.entity}.getForm`,
      method: 'GET',
      path: `/backend/${spec.entity}/form`,
      ...(spec.descriptions?.form ? { description: spec.descriptions.form } : {}),
      handler({ platform, request }) {
        const className = queryString(request.query, 'class');
        if (!className) throw badRequest('Query parameter "class" is required');
        const type = spec.find(platform, className);
        if (!type) throw notFound(`${spec.label} class "${className}" does not exist`);
        return spec.form(type, platform);
      },
    }),
  ];
}

export interface RecordSpec<TB extends keyof Database> {
  /** the operations' names, e.g. `backend.token.getAll` and `backend.token.get` */
  readonly names: { readonly getAll: string; readonly get: string };
  /** the collection; one record is at `<path>/$<param><[0-9]+>` */
  readonly path: string;
  readonly param: string;
  readonly table: EntityTable<TB>;
  /** query parameters that narrow the collection beside `search` */
  readonly filters?: Record<string, QueryFilter>;
  /** narrowing that needs more than a filter (a default, a search with its own rules) */
  readonly narrow?: (query: AnySelect, call: SystemCall) => AnySelect;
  readonly summary: (row: Selectable<Database[TB]>) => unknown;
  /** the record on its own; the summary when absent */
  readonly detail?: (row: Selectable<Database[TB]>, platform: Platform) => unknown;
  readonly descriptions?: { readonly getAll?: string; readonly get?: string };
}

/** The collection and the single record of what the platform records (logs, tokens, audits, payments). */
export function recordOperations<TB extends keyof Database>(spec: RecordSpec<TB>): SystemOperation[] {
  return [
    systemOperation({
      name: spec.names.getAll,
      method: 'GET',
      path: spec.path,
      ...(spec.descriptions?.getAll ? { description: spec.descriptions.getAll } : {}),
      handler(call) {
        const q = call.request.query;
        const { filters, narrow } = spec;
        return spec.table.page(call.platform.db, paging(q), spec.summary, (query) => {
          const filtered = filters ? filterByQuery(query, q, filters) : query;
          return narrow ? narrow(filtered, call) : filtered;
        });
      },
    }),
    systemOperation({
      name: spec.names.get,
      method: 'GET',
      path: `${spec.path}/$${spec.param}<[0-9]+>`,
      ...(spec.descriptions?.get ? { description: spec.descriptions.get } : {}),
      async handler({ platform, request }) {
        const row = await spec.table.find(platform.db, { id: Number(request.params[spec.param]) });
        return spec.detail ? spec.detail(row, platform) : spec.summary(row);
      },
    }),
  ];
}

/** The view of an entity about to be deleted, and the name the trash lists it by. */
async function trashCopy<Row, Create, Update>(
  spec: EntitySpec<Row, Create, Update>,
  call: SystemCall,
  ref: EntityRef,
): Promise<{ type: TrashType; name: string; view: unknown } | undefined> {
  if (!isTrashType(spec.entity)) return undefined;
  const row = await spec.store(call.platform).find(call.platform.db, ref);
  const view = (await spec.detail(row, call.platform)) as Record<string, unknown>;
  const name = String(view.name ?? view.title ?? view.slug ?? '');
  return { type: spec.entity, name, view };
}
