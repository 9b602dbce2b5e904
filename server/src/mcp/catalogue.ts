import type { Kysely } from 'kysely';
import type { Caller } from '../auth/caller.js';
import { categoryNames, type Database, isUserCategory, Status } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import type { Gateway } from '../gateway/gateway.js';
import { parsePath } from '../gateway/path.js';
import type { RoutingTable } from '../gateway/routing-table.js';
import type { CompiledOperation } from '../gateway/types.js';
import type { JsonSchema } from '../schema/json-schema.js';
import { isPassthrough, schemaNameOf } from '../schema/names.js';

/** One operation as an MCP tool (and a JSON-RPC method): what a caller sees, and how its arguments map back. */
export interface ToolEntry {
  /** the operation's name, reduced to the characters a tool name may hold */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: JsonSchema & { type: 'object' };
  readonly outputSchema: (JsonSchema & { type: 'object' }) | undefined;
  readonly operation: CompiledOperation;
  /** path parameters in order; the rest parameter (`*name`) keeps its slashes */
  readonly pathParams: readonly string[];
  readonly restParam: string | null;
  readonly queryParams: ReadonlySet<string>;
  /** the operation reads a body: the `body` argument */
  readonly takesBody: boolean;
}

const toolNameChars = /[^A-Za-z0-9_.-]/g;
const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether an operation is a tool. The API's operations (category default): the `mcp` entry of its metadata when
 * set (`"true"`/`"false"`, the admin app's checkbox), else on when it has a description. The platform's own
 * (backend, consumer, system, authorization): only those the `mcp_platform_operations` setting names.
 */
export function exposedToMcp(
  row: { name: string; category_id: number; description: string | null; metadata: unknown },
  platformOptIn: readonly string[],
): boolean {
  if (!isUserCategory(row.category_id)) {
    return platformOptIn.some((p) => (p.endsWith('*') ? row.name.startsWith(p.slice(0, -1)) : row.name === p));
  }
  const metadata = parseJsonColumn<Record<string, unknown>>(row.metadata as string | null);
  const flag = metadata && typeof metadata === 'object' ? metadata.mcp : undefined;
  if (flag === true || flag === 'true' || flag === '1') return true;
  if (flag === false || flag === 'false' || flag === '0') return false;
  return (row.description ?? '').trim() !== '';
}

/** The `mcp_platform_operations` setting as a list: names, or prefixes ending in `*`. */
export function platformOptInOf(setting: string): string[] {
  return setting
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '*');
}

/** May this caller call this operation: the same rule as gateway/authorize.ts. */
export function callerMay(operation: CompiledOperation, caller: Caller): boolean {
  if (!operation.active) return false;
  if (operation.public) return true;
  for (const scope of caller.scopes) if (operation.allowedScopes.has(scope)) return true;
  return false;
}

/**
 * The tools of one routing-table generation, built once from the operations' stored descriptions, parameters
 * and schemas when first asked for after a rebuild (never on the HTTP hot path).
 */
export class ToolCatalogue {
  private built: { key: string; tools: Promise<Map<string, ToolEntry>> } | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly gateway: Gateway,
    /** the `mcp_platform_operations` setting, as loaded */
    private readonly platformOptIn: () => string = () => '',
  ) {}

  /** Every tool of the current table, by tool name. */
  all(): Promise<Map<string, ToolEntry>> {
    const table = this.gateway.table;
    const setting = this.platformOptIn();
    const key = `${table.generation}|${setting}`;
    if (this.built?.key !== key) {
      const tools = build(this.db, table, platformOptInOf(setting));
      this.built = { key, tools };
      tools.catch(() => {
        if (this.built?.tools === tools) this.built = null;
      });
    }
    return this.built!.tools;
  }

  /** The tools this caller may call, in name order. */
  async visibleTo(caller: Caller): Promise<ToolEntry[]> {
    const out: ToolEntry[] = [];
    for (const tool of (await this.all()).values()) if (callerMay(tool.operation, caller)) out.push(tool);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One tool by name, when this caller may call it (otherwise it does not exist for them). */
  async find(name: string, caller: Caller): Promise<ToolEntry | undefined> {
    const tool = (await this.all()).get(name);
    return tool && callerMay(tool.operation, caller) ? tool : undefined;
  }
}

async function build(
  db: Kysely<Database>,
  table: RoutingTable,
  platformOptIn: readonly string[],
): Promise<Map<string, ToolEntry>> {
  const [rows, schemaRows] = await Promise.all([
    db
      .selectFrom('operations')
      .select(['id', 'name', 'category_id', 'description', 'parameters', 'incoming', 'outgoing', 'metadata'])
      .where('status', '=', Status.active)
      .execute(),
    db.selectFrom('schemas').select(['name', 'source']).where('status', '=', Status.active).execute(),
  ]);
  const schemas = new Map<string, unknown>();
  for (const row of schemaRows) schemas.set(row.name, parseJsonColumn(row.source) ?? {});
  const byId = new Map(rows.map((r) => [r.id, r]));
  const tools = new Map<string, ToolEntry>();
  for (const operation of table.operations) {
    const row = byId.get(operation.id);
    if (!row || !operation.active || !exposedToMcp(row, platformOptIn)) continue;
    const name = operation.name.replace(toolNameChars, '_').slice(0, 128);
    if (tools.has(name)) continue;
    try {
      tools.set(name, toolOf(name, operation, row, schemas));
    } catch {
      // a path or schema that cannot be described leaves the tool out; its HTTP route still answers
    }
  }
  return tools;
}

interface ParameterSpec {
  type?: string;
  description?: string;
  enum?: unknown;
}

function toolOf(
  name: string,
  operation: CompiledOperation,
  row: {
    category_id: number;
    description: string | null;
    parameters: unknown;
    incoming: string | null;
    outgoing: string | null;
  },
  schemas: Map<string, unknown>,
): ToolEntry {
  const parsed = parsePath(operation.path);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const defs: Record<string, JsonSchema> = {};
  for (const param of parsed.params) {
    properties[param] = { type: ['string', 'integer'], description: `Path parameter of ${operation.path}` };
    required.push(param);
  }
  if (parsed.rest !== null) {
    properties[parsed.rest] = { type: 'string', description: 'The rest of the path (may contain /)' };
    required.push(parsed.rest);
  }
  const queryParams = new Set<string>();
  const declared = parseJsonColumn<Record<string, ParameterSpec>>(row.parameters as string | null) ?? {};
  for (const [param, spec] of Object.entries(declared)) {
    if (param in properties || param === 'body') continue;
    const type = spec?.type;
    if (type !== 'string' && type !== 'integer' && type !== 'number' && type !== 'boolean') continue;
    const property: JsonSchema = { type };
    if (spec.description) property.description = spec.description;
    const values = Array.isArray(spec.enum)
      ? spec.enum.map(String)
      : typeof spec.enum === 'string' && spec.enum !== ''
        ? spec.enum.split(',').map((v) => v.trim())
        : null;
    if (values && type === 'string') property.enum = values;
    properties[param] = property;
    queryParams.add(param);
  }
  let takesBody = false;
  if (operation.body.kind === 'schema') {
    const schemaName = operation.body.schemaName;
    if (schemas.has(schemaName)) {
      bundle(schemaName, schemas, defs);
      properties.body = { $ref: `#/$defs/${pointerName(schemaName)}`, description: 'The request body' };
    } else properties.body = { type: 'object', description: 'The request body' };
    required.push('body');
    takesBody = true;
  } else if (bodyMethods.has(operation.method) && isPassthrough(row.incoming)) {
    properties.body = { description: 'The request body (JSON)' };
    takesBody = true;
  }
  const inputSchema: JsonSchema & { type: 'object' } = { type: 'object', properties, additionalProperties: false };
  if (required.length > 0) inputSchema.required = required;
  if (Object.keys(defs).length > 0) inputSchema.$defs = defs;

  let outputSchema: (JsonSchema & { type: 'object' }) | undefined;
  if (row.outgoing && !isPassthrough(row.outgoing)) {
    const outgoing = schemaNameOf(row.outgoing);
    const source = schemas.get(outgoing) as JsonSchema | undefined;
    if (source && source.type === 'object') {
      const outDefs: Record<string, JsonSchema> = {};
      bundle(outgoing, schemas, outDefs);
      const root = outDefs[pointerName(outgoing)] as JsonSchema;
      delete outDefs[pointerName(outgoing)];
      outputSchema = { ...root, type: 'object' };
      // the root's own references point into $defs, where it is not: keep a copy there too
      if (Object.keys(outDefs).length > 0 || JSON.stringify(root).includes(`#/$defs/${pointerName(outgoing)}`)) {
        outputSchema.$defs = { ...outDefs, [pointerName(outgoing)]: root };
      }
    }
  }

  const category = categoryNames[row.category_id - 1] ?? 'default';
  const description = (row.description ?? '').trim();
  return {
    name,
    title: operation.name,
    description: `${description === '' ? operation.name : description}\n\n${operation.method} ${operation.path} (category: ${category})`,
    inputSchema,
    outputSchema,
    operation,
    pathParams: parsed.params,
    restParam: parsed.rest,
    queryParams,
    takesBody,
  };
}

/** A name as a JSON Pointer segment. */
function pointerName(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Copies a stored schema and every stored schema it references into `defs`: references by name become
 * `#/$defs/<name>`, a schema's references into itself (`#/…`) are moved under its place in `$defs`.
 */
function bundle(name: string, schemas: Map<string, unknown>, defs: Record<string, JsonSchema>): void {
  const key = pointerName(name);
  if (key in defs) return;
  const source = schemas.get(name);
  defs[key] = {};
  const pending: string[] = [];
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === '$ref' && typeof v === 'string') {
        if (v.startsWith('#')) out[k] = `#/$defs/${key}${v.slice(1)}`;
        else if (schemas.has(v)) {
          out[k] = `#/$defs/${pointerName(v)}`;
          pending.push(v);
        } else out[k] = v;
      } else if (k === '$id' || k === '$schema') {
        // the tool's schema is one document
      } else out[k] = rewrite(v);
    }
    return out;
  };
  defs[key] = rewrite(source ?? {}) as JsonSchema;
  for (const other of pending) bundle(other, schemas, defs);
}
