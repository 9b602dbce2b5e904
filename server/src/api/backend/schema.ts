import type { BackendSchema, BackendSchemaCommit } from 'fusio-sdk';
import type { SchemaRow } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { entityRef, paging } from '../../http/query.js';
import { metadataField, nameField } from '../../schema/fragments.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const schemaBody = {
  type: 'object',
  properties: {
    name: nameField('schema', { notOneOf: ['Passthru'] }),
    source: { type: 'object' },
    metadata: metadataField,
  },
};

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
    handler({ platform, request }) {
      return platform.schemas.page(platform.db, paging(request.query), (row) => {
        const { source: _omitted, ...rest } = view(row);
        return rest;
      });
    },
  }),
  systemOperation({
    name: 'backend.schema.create',
    method: 'POST',
    path: '/backend/schema',
    httpCode: 201,
    incoming: { ...schemaBody, required: ['name', 'source'] },
    async handler(call) {
      const body = call.request.body as BackendSchema & { name: string };
      const id = await call.platform.changes.write(call, (unit) => call.platform.schemas.create(unit, body));
      return created('Schema successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.schema.getPreview',
    method: 'POST',
    path: '/backend/schema/preview/:schema_id',
    async handler({ platform, request }) {
      const row = await platform.schemas.find(platform.db, entityRef(request.params.schema_id));
      return { preview: previewHtml(row.name, parseJsonColumn<Record<string, unknown>>(row.source) ?? {}) };
    },
  }),
  systemOperation({
    name: 'backend.schema.get',
    method: 'GET',
    path: `/backend/schema/$schema_id<${idOrName}>`,
    async handler({ platform, request }) {
      return view(await platform.schemas.find(platform.db, entityRef(request.params.schema_id)));
    },
  }),
  systemOperation({
    name: 'backend.schema.update',
    method: 'PUT',
    path: `/backend/schema/$schema_id<${idOrName}>`,
    incoming: schemaBody,
    async handler(call) {
      const ref = entityRef(call.request.params.schema_id);
      const body = call.request.body as BackendSchema;
      const id = await call.platform.changes.write(call, (unit) => call.platform.schemas.update(unit, ref, body));
      return message('Schema successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.schema.getCommits',
    method: 'GET',
    path: `/backend/schema/$schema_id<${idOrName}>/commit`,
    async handler({ platform, request }) {
      const history = await platform.schemas.history(
        platform.db,
        entityRef(request.params.schema_id),
        paging(request.query),
      );
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
    async handler(call) {
      const ref = entityRef(call.request.params.schema_id);
      const id = await call.platform.changes.write(call, (unit) => call.platform.schemas.delete(unit, ref));
      return message('Schema successfully deleted', id);
    },
  }),
];
