import type { BackendSchema } from 'fusio-sdk';
import type { SchemaRow } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { entityRef } from '../../http/query.js';
import { metadataField, nameField } from '../../schema/fragments.js';
import { entityOperations, historyOperation } from '../crud.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

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

/**
 * `Passthru` is no row: an operation naming it takes or gives any body. Fusio keeps it as a schema, and its
 * admin app reads `~Passthru` as the default outgoing schema of a new operation, so it is answered here.
 */
const passthru: BackendSchema = {
  id: 0,
  status: 1,
  name: 'Passthru',
  source: { description: 'Any body: no schema information is given', type: 'object', additionalProperties: true },
};

function answerPassthru(operation: SystemOperation): SystemOperation {
  if (operation.name !== 'backend.schema.get') return operation;
  return {
    ...operation,
    handler: (call) => (call.request.params.schema_id === '~Passthru' ? passthru : operation.handler(call)),
  };
}

export const schemaOperations: SystemOperation[] = [
  ...entityOperations<SchemaRow, BackendSchema & { name: string }, BackendSchema>({
    entity: 'schema',
    // the admin app lists one taxonomy (folder) at a time
    filters: { taxonomy: ['equals', 'taxonomy_id'] },
    label: 'Schema',
    store: (platform) => platform.schemas,
    body: schemaBody,
    required: ['name', 'source'],
    summary(row) {
      const { source: _omitted, ...rest } = view(row);
      return rest;
    },
    detail: (row) => view(row),
  }).map(answerPassthru),
  systemOperation({
    name: 'backend.schema.getPreview',
    method: 'POST',
    path: '/backend/schema/preview/:schema_id',
    async handler({ platform, request }) {
      const row = await platform.schemas.find(platform.db, entityRef(request.params.schema_id));
      return { preview: previewHtml(row.name, parseJsonColumn<Record<string, unknown>>(row.source) ?? {}) };
    },
  }),
  historyOperation('schema', (platform) => platform.schemas, 'schema'),
];
