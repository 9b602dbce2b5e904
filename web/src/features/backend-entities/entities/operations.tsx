import { Badge } from '@mantine/core';
import type { BackendOperation } from 'fusio-sdk';
import type { FieldSpec } from '../components/entity-form';
import { checkPath } from '../lib/path-syntax';
import { actionNames, schemaNames, scopeNames, textValue } from '../lib/sources';
import { defineEntity, Mono, metadataBody, metadataField, metadataValue, YesNo } from './common';

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => ({ value: m, label: m }));
export const stabilities = [
  { value: '0', label: 'Deprecated' },
  { value: '1', label: 'Experimental' },
  { value: '2', label: 'Stable' },
  { value: '3', label: 'Legacy' },
];
/** Stable, deprecated and legacy operations are frozen: pinned to what they serve, only their stability changes. */
const frozen = (o?: BackendOperation) => o !== undefined && o.stability !== undefined && o.stability !== 1;
/** what a frozen operation's form may still change */
const editableWhenFrozen = new Set(['stability', 'metadata', 'mcp']);
/** the pinned references, shown as they are: the pickers list names, not commits */
const pinnedFields = new Set(['action', 'incoming', 'outgoing']);
const withBody = (method: unknown) => method === 'POST' || method === 'PUT' || method === 'PATCH';

/** Without an explicit choice an operation is an MCP tool when it has a description (server/src/mcp/catalogue.ts). */
const mcpByDefault = (description: unknown) => typeof description === 'string' && description.trim() !== '';
function mcpValue(o: BackendOperation | undefined): boolean {
  const flag = o?.metadata?.mcp;
  if (flag === 'true' || flag === '1') return true;
  if (flag === 'false' || flag === '0') return false;
  return mcpByDefault(o?.description);
}
/** The metadata without the `mcp` entry, which the switch shows. */
function otherMetadata(o: BackendOperation | undefined): Record<string, string> | undefined {
  if (!o?.metadata) return undefined;
  const { mcp: _shown, ...rest } = o.metadata;
  return rest;
}

/** The choice is stored only where it departs from the default, so the default keeps following the description. */
function withMcp(metadata: Record<string, string> | undefined, on: boolean, byDefault: boolean) {
  const rest = { ...(metadata ?? {}) };
  delete rest.mcp;
  if (on !== byDefault) rest.mcp = on ? 'true' : 'false';
  return rest;
}

/** The operation form's fields, in order. */
function operationFields(): FieldSpec[] {
  return [
    {
      kind: 'text',
      name: 'name',
      label: 'Name',
      required: true,
      monospace: true,
      description: 'e.g. orders.getAll: letters, digits, "_" and "."',
      match: /operation name|operation already exists/i,
    },
    {
      kind: 'select',
      name: 'httpMethod',
      label: 'HTTP method',
      options: methods,
      required: true,
      match: /HTTP method|same HTTP method and path/i,
    },
    {
      kind: 'text',
      name: 'httpPath',
      label: 'HTTP path',
      required: true,
      monospace: true,
      placeholder: '/orders/:id',
      description: 'Parameters: /orders/:id, /orders/$id<[0-9]+> (a regular expression), /files/*path (the rest).',
      match: /path|route/i,
      check: (value) => {
        const result = checkPath(value);
        if (!result.ok) return { error: result.message };
        return {
          hint:
            result.params.length > 0
              ? `Path parameters: ${result.params.join(', ')}.`
              : 'A fixed path without parameters.',
        };
      },
    },
    { kind: 'number', name: 'httpCode', label: 'HTTP status on success', min: 200, max: 299, match: /HTTP code/i },
    { kind: 'select', name: 'action', label: 'Action', options: actionNames, required: true, match: /^Action/i },
    {
      kind: 'select',
      name: 'incoming',
      label: 'Incoming schema',
      description: 'The request body is validated against it',
      options: schemaNames,
      clearable: true,
      match: /^Incoming/i,
      when: (v) => withBody(v.httpMethod),
    },
    {
      kind: 'select',
      name: 'outgoing',
      label: 'Outgoing schema',
      options: schemaNames,
      clearable: true,
      match: /^Outgoing/i,
    },
    {
      kind: 'multiselect',
      name: 'scopes',
      label: 'Scopes',
      description: 'A token needs one of them to call the operation; a new name creates the scope',
      options: scopeNames,
      creatable: true,
      match: /scope/i,
    },
    { kind: 'switch', name: 'public', label: 'Public: callable without a token' },
    { kind: 'switch', name: 'active', label: 'Active: served by the gateway' },
    {
      kind: 'number',
      name: 'costs',
      label: 'Costs in points',
      description: 'Taken from the caller’s points on each call; empty or 0 is free',
      min: 0,
      match: /costs/i,
    },
    { kind: 'select', name: 'stability', label: 'Stability', options: stabilities, match: /stability/i },
    { kind: 'textarea', name: 'description', label: 'Description', rows: 2 },
    {
      kind: 'switch',
      name: 'mcp',
      label: 'AI agents: an MCP tool and a JSON-RPC method',
      description:
        'Agents see it at /mcp and /jsonrpc with the same scopes, limits and logs. Left alone, it is on for documented operations.',
    },
    metadataField,
  ];
}

export const operations = defineEntity<BackendOperation>({
  path: 'operations',
  api: 'operation',
  what: 'operation',
  plural: 'Operations',
  group: 'API',
  intro: 'An operation is one method and path of your API, answered by an action.',
  searchLabel: 'Search operations by name',
  list: (c, p) => c.backend().operation().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (o) => o.name },
    {
      label: 'Method',
      nowrap: true,
      render: (o) => (
        <Badge variant="light" tt="none">
          {o.httpMethod}
        </Badge>
      ),
    },
    { label: 'Path', render: (o) => <Mono>{o.httpPath}</Mono> },
    { label: 'Action', render: (o) => <Mono>{o.action}</Mono> },
    { label: 'Public', render: (o) => <YesNo value={o.public} /> },
    { label: 'Stability', render: (o) => stabilities.find((s) => s.value === String(o.stability))?.label },
  ],
  idOf: (o) => o.id,
  nameOf: (o) => o.name ?? `#${o.id}`,
  get: (c, id) => c.backend().operation().get(id),
  lockedBecause: (o) =>
    frozen(o)
      ? 'This operation is frozen (stable, deprecated or legacy): its action and schemas are pinned to the versions it serves, and only its stability (and metadata) can change. Set it to Experimental to edit it again; it then follows the current action and schemas.'
      : null,
  fields: (mode, row) => {
    const all = operationFields();
    if (mode !== 'edit' || !frozen(row)) return all;
    return all.map((field): FieldSpec => {
      if (editableWhenFrozen.has(field.name)) return field;
      if (pinnedFields.has(field.name)) {
        return {
          kind: 'text',
          name: field.name,
          label: field.label,
          monospace: true,
          disabled: true,
          when: field.when,
        };
      }
      return { ...field, disabled: true };
    });
  },
  values: (o) => ({
    name: o?.name ?? '',
    httpMethod: o?.httpMethod ?? 'GET',
    httpPath: o?.httpPath ?? '',
    httpCode: o?.httpCode ?? 200,
    action: o?.action ?? null,
    incoming: o?.incoming ?? null,
    outgoing: o?.outgoing ?? null,
    scopes: o?.scopes ?? [],
    public: o?.public ?? false,
    active: o?.active ?? true,
    costs: o?.costs ?? null,
    stability: String(o?.stability ?? 1),
    description: o?.description ?? '',
    metadata: metadataValue(otherMetadata(o)),
    mcp: mcpValue(o),
  }),
  body: (v, _mode, row) =>
    frozen(row)
      ? {
          stability: Number(v.stability ?? 1),
          metadata: withMcp(metadataBody(v.metadata), v.mcp === true, mcpByDefault(v.description)),
        }
      : {
          name: textValue(v.name),
          httpMethod: v.httpMethod,
          httpPath: textValue(v.httpPath),
          httpCode: typeof v.httpCode === 'number' ? v.httpCode : 200,
          action: v.action ?? undefined,
          incoming: withBody(v.httpMethod) ? (v.incoming ?? null) : null,
          outgoing: v.outgoing ?? null,
          scopes: v.scopes,
          public: v.public === true,
          active: v.active === true,
          costs: typeof v.costs === 'number' ? v.costs : null,
          stability: Number(v.stability ?? 1),
          description: textValue(v.description) ?? null,
          metadata: withMcp(metadataBody(v.metadata), v.mcp === true, mcpByDefault(v.description)),
        },
  create: (c, body) => c.backend().operation().create(body),
  update: (c, id, body) => c.backend().operation().update(id, body),
  remove: (c, id) => c.backend().operation().delete(id),
  async dependents(_c, o) {
    const lines: string[] = [];
    if ((o.scopes ?? []).length > 0) lines.push(`It is in the scopes ${o.scopes?.join(', ')}`);
    lines.push(`Clients calling ${o.httpMethod} ${o.httpPath} get 404 from then on`);
    return lines;
  },
  consequence: 'Rate allocations that name this operation are removed with it.',
});
