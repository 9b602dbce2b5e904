import type { BackendForm } from 'fusio-sdk';
import { idText, idValue, operationIds, operationName, textValue } from '../lib/sources';
import { defineEntity, Mono, metadataBody, metadataField, metadataValue } from './common';

/** The UI schema as typed: JSON when it parses, the text as it is otherwise (the API then says what is wrong). */
function uiSchemaBody(value: unknown): unknown {
  const text = textValue(value);
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const forms = defineEntity<BackendForm>({
  path: 'forms',
  api: 'form',
  what: 'form',
  plural: 'Forms',
  group: 'Content',
  intro:
    'A form lets developers call an operation from the developer portal (Forms): its fields come from the operation’s incoming schema, the UI schema (react-jsonschema-form style: ui:order, ui:title, ui:help, ui:placeholder, ui:widget textarea | password | hidden) arranges them.',
  list: (c, p) => c.backend().form().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (r) => r.name },
    { label: 'Operation', render: (r) => <Mono>#{r.operationId}</Mono> },
  ],
  idOf: (r) => r.id,
  nameOf: (r) => r.name ?? `#${r.id}`,
  get: (c, id) => c.backend().form().get(id),
  fields: () => [
    { kind: 'text', name: 'name', label: 'Name', required: true, match: /form name|already exists/i },
    {
      kind: 'select',
      name: 'operationId',
      label: 'Operation',
      description: 'The operation the form sends its answers to',
      required: true,
      options: operationIds,
      labelOf: operationName,
      match: /operation/i,
    },
    {
      kind: 'textarea',
      name: 'uiSchema',
      label: 'UI schema (JSON)',
      description: 'e.g. {"ui:order": ["name", "*"], "message": {"ui:widget": "textarea"}}',
      rows: 8,
      monospace: true,
      match: /uiSchema/i,
    },
    metadataField,
  ],
  values: (r) => ({
    name: r?.name ?? '',
    operationId: idText(r?.operationId),
    uiSchema: r?.uiSchema && Object.keys(r.uiSchema).length > 0 ? JSON.stringify(r.uiSchema, null, 2) : '',
    metadata: metadataValue(r?.metadata),
  }),
  body: (v) => ({
    name: textValue(v.name),
    operationId: idValue(v.operationId) ?? undefined,
    uiSchema: uiSchemaBody(v.uiSchema),
    metadata: metadataBody(v.metadata),
  }),
  create: (c, body) => c.backend().form().create(body),
  update: (c, id, body) => c.backend().form().update(id, body),
  remove: (c, id) => c.backend().form().delete(id),
});
