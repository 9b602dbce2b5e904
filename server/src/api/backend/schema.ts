import type { BackendSchema, BackendSchemaCommit } from 'fusio-sdk';
import { commitHistory, recordCommit } from '../../changes/history.js';
import { insertWithId } from '../../db/insert.js';
import { collection, containsIgnoreCase, type EntityRef } from '../../db/listing.js';
import { Category, type SchemaRow, Status } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { isPassthrough, schemaNameOf } from '../../gateway/compile.js';
import { checkSchemaSource } from '../../gateway/schemas.js';
import { entityRef, paging } from '../../http/query.js';
import type { Platform } from '../../runtime/platform.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const schemaName = /^[a-zA-Z0-9\-_]{3,255}$/;

const schemaBody = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    source: { type: 'object' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

async function findSchema(platform: Platform, ref: EntityRef): Promise<SchemaRow> {
  let query = platform.db.selectFrom('schemas').selectAll().where('status', '=', Status.active);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find schema');
  return row;
}

function view(row: SchemaRow): BackendSchema {
  const schema: BackendSchema = {
    id: row.id,
    status: row.status,
    name: row.name,
    source: parseJsonColumn(row.source) ?? {},
  };
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) schema.metadata = metadata;
  return schema;
}

async function assertCompiles(platform: Platform, name: string, source: unknown): Promise<void> {
  const others = await platform.db
    .selectFrom('schemas')
    .select(['name', 'source'])
    .where('status', '=', Status.active)
    .execute();
  const problem = checkSchemaSource(
    source,
    others.map((o) => ({ name: o.name, source: parseJsonColumn(o.source) })),
    name,
  );
  if (problem) throw badRequest(problem);
}

async function operationsUsing(platform: Platform, name: string): Promise<string[]> {
  const rows = await platform.db.selectFrom('operations').select(['name', 'incoming', 'outgoing', 'throws']).execute();
  const uses = (ref: string | null | undefined) => !!ref && !isPassthrough(ref) && schemaNameOf(ref) === name;
  return rows
    .filter(
      (r) =>
        uses(r.incoming) ||
        uses(r.outgoing) ||
        Object.values(parseJsonColumn<Record<string, string>>(r.throws) ?? {}).some(uses),
    )
    .map((r) => r.name);
}

/** A readable page about a schema: its properties, their types and which are required. */
function previewHtml(name: string, source: Record<string, unknown>): string {
  const esc = (s: unknown) =>
    String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
  const properties = (source.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set(Array.isArray(source.required) ? (source.required as string[]) : []);
  const rows = Object.entries(properties)
    .map(([prop, def]) => {
      const type = def.$ref ? `→ ${String(def.$ref)}` : Array.isArray(def.type) ? def.type.join(' | ') : def.type;
      return `<tr><td><code>${esc(prop)}</code></td><td>${esc(type ?? 'any')}</td><td>${required.has(prop) ? 'yes' : ''}</td><td>${esc(def.description)}</td></tr>`;
    })
    .join('');
  const description = source.description ? `<p>${esc(source.description)}</p>` : '';
  const table = rows
    ? `<table><thead><tr><th>Property</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>${rows}</tbody></table>`
    : `<pre>${esc(JSON.stringify(source, null, 2))}</pre>`;
  return `<div class="portico-schema"><h3>${esc(source.title ?? name)}</h3>${description}${table}</div>`;
}

export const schemaOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.schema.getAll',
    method: 'GET',
    path: '/backend/schema',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db
        .selectFrom('schemas')
        .where('status', '=', Status.active)
        .where('category_id', '=', Category.default);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await query
        .selectAll()
        .orderBy('id', page.sortOrder === 'asc' ? 'asc' : 'desc')
        .limit(page.count)
        .offset(page.startIndex)
        .execute();
      return collection(
        Number(total.n),
        page,
        rows.map((row) => {
          const { source: _omitted, ...rest } = view(row);
          return rest;
        }),
      );
    },
  }),
  systemOperation({
    name: 'backend.schema.create',
    method: 'POST',
    path: '/backend/schema',
    httpCode: 201,
    incoming: { ...schemaBody, required: ['name', 'source'] },
    async handler({ platform, request, caller }) {
      const body = request.body as BackendSchema;
      const name = body.name as string;
      if (!schemaName.test(name) || name === 'Passthru') {
        throw badRequest('Invalid schema name: use 3 to 255 letters, digits, "-" or "_" (not "Passthru")');
      }
      if (await platform.db.selectFrom('schemas').select('id').where('name', '=', name).executeTakeFirst()) {
        throw conflict('Schema already exists');
      }
      await assertCompiles(platform, name, body.source);
      const id = await insertWithId(
        platform.db.insertInto('schemas').values({
          category_id: Category.default,
          status: Status.active,
          name,
          source: JSON.stringify(body.source),
          form: null,
          metadata: body.metadata ? JSON.stringify(body.metadata) : null,
          updated_at: Date.now(),
        }),
        platform.dialect,
      );
      await recordCommit(platform.db, 'schema', id, caller.user?.id ?? null, JSON.stringify(body.source));
      await platform.configChanged();
      return created('Schema successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.schema.getPreview',
    method: 'POST',
    path: '/backend/schema/preview/:schema_id',
    async handler({ platform, request }) {
      const row = await findSchema(platform, entityRef(request.params.schema_id));
      return { preview: previewHtml(row.name, parseJsonColumn<Record<string, unknown>>(row.source) ?? {}) };
    },
  }),
  systemOperation({
    name: 'backend.schema.get',
    method: 'GET',
    path: `/backend/schema/$schema_id<${idOrName}>`,
    async handler({ platform, request }) {
      return view(await findSchema(platform, entityRef(request.params.schema_id)));
    },
  }),
  systemOperation({
    name: 'backend.schema.update',
    method: 'PUT',
    path: `/backend/schema/$schema_id<${idOrName}>`,
    incoming: schemaBody,
    async handler({ platform, request, caller }) {
      const existing = await findSchema(platform, entityRef(request.params.schema_id));
      const body = request.body as BackendSchema;
      const name = body.name ?? existing.name;
      if (name !== existing.name) {
        if (!schemaName.test(name) || name === 'Passthru') throw badRequest('Invalid schema name');
        if (await platform.db.selectFrom('schemas').select('id').where('name', '=', name).executeTakeFirst()) {
          throw conflict('Schema already exists');
        }
        const users = await operationsUsing(platform, existing.name);
        if (users.length > 0) throw conflict(`Schema is used by operation ${users.join(', ')}`);
      }
      const source = body.source ?? parseJsonColumn(existing.source);
      await assertCompiles(platform, name, source);
      await platform.db
        .updateTable('schemas')
        .set({
          name,
          source: JSON.stringify(source),
          metadata: body.metadata ? JSON.stringify(body.metadata) : existing.metadata,
          updated_at: Math.max(Date.now(), existing.updated_at + 1),
        })
        .where('id', '=', existing.id)
        .execute();
      const text = JSON.stringify(source);
      if (text !== existing.source)
        await recordCommit(platform.db, 'schema', existing.id, caller.user?.id ?? null, text);
      await platform.configChanged();
      return message('Schema successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'backend.schema.getCommits',
    method: 'GET',
    path: `/backend/schema/$schema_id<${idOrName}>/commit`,
    async handler({ platform, request }) {
      const schema = await findSchema(platform, entityRef(request.params.schema_id));
      const history = await commitHistory(platform.db, 'schema', schema.id, paging(request.query));
      return {
        ...history,
        entry: history.entry.map(({ content, ...rest }): BackendSchemaCommit => ({ ...rest, schema: content })),
      };
    },
  }),
  systemOperation({
    name: 'backend.schema.delete',
    method: 'DELETE',
    path: `/backend/schema/$schema_id<${idOrName}>`,
    async handler({ platform, request }) {
      const existing = await findSchema(platform, entityRef(request.params.schema_id));
      const users = await operationsUsing(platform, existing.name);
      if (users.length > 0) throw conflict(`Schema is used by operation ${users.join(', ')}`);
      await platform.db.deleteFrom('schemas').where('id', '=', existing.id).execute();
      await platform.configChanged();
      return message('Schema successfully deleted', existing.id);
    },
  }),
];
