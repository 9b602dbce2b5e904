import type { Kysely } from 'kysely';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import { type Collection, collection, containsIgnoreCase, type EntityRef, type Paging } from '../db/listing.js';
import { type Database, type OperationRow, platformCategoryIds, Status } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import { badRequest, conflict, isUniqueViolation, notFound } from '../errors.js';
import { isPassthrough, schemaNameOf } from '../schema/names.js';
import { type FormRow, FormStatus } from './tables.js';

export const formLimits = { uiSchema: 65_536, metadata: 8_192 } as const;

/** What the form APIs accept (fusio-sdk's BackendFormCreate/Update); shapes are refused at the edge. */
export interface FormInput {
  name?: string | undefined;
  operationId?: number | undefined;
  uiSchema?: unknown;
  metadata?: Record<string, string> | undefined;
}

/** The operation a form submits to, as the portal needs it. */
export type FormOperation = Pick<OperationRow, 'id' | 'name' | 'http_method' | 'http_path' | 'incoming'>;

function jsonText(value: unknown, limit: number, label: string): string {
  const text = JSON.stringify(value ?? {});
  if (text.length > limit) throw badRequest(`Form ${label} must have at most ${limit} characters as JSON`);
  return text;
}

/** A UI schema is a JSON object (react-jsonschema-form's `ui:*` keys per property). */
function uiSchemaText(value: unknown): string {
  if (value === undefined || value === null) return '{}';
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest('Form uiSchema must be a JSON object');
  return jsonText(value, formLimits.uiSchema, 'uiSchema');
}

/**
 * Forms of the developer portal: a name, the operation they submit to (an operation of the API, not
 * one of the platform's own) and a UI schema. The fields come from the operation's incoming schema.
 */
export class FormRepository {
  readonly table = new EntityTable({ table: 'forms', label: 'form' });

  constructor(private readonly dialect: DialectName) {}

  find(db: Kysely<Database>, ref: EntityRef): Promise<FormRow> {
    return this.table.find(db, ref);
  }

  page<T>(db: Kysely<Database>, paging: Paging, map: (row: FormRow) => T) {
    return this.table.page(db, paging, map);
  }

  /** Active forms whose operation still exists, by name, as developers see them. */
  async active<T>(db: Kysely<Database>, paging: Paging, map: (row: FormRow) => T): Promise<Collection<T>> {
    let query = db
      .selectFrom('forms')
      .innerJoin('operations', 'operations.id', 'forms.operation_id')
      .where('forms.status', '=', FormStatus.active)
      .where('operations.status', '=', Status.active)
      .where('operations.category_id', 'not in', platformCategoryIds);
    if (paging.search) query = query.where(containsIgnoreCase('forms.name', paging.search));
    const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await query
      .selectAll('forms')
      .orderBy('forms.name', paging.sortOrder === 'desc' ? 'desc' : 'asc')
      .limit(paging.count)
      .offset(paging.startIndex)
      .execute();
    return collection(Number(total.n), paging, rows.map(map));
  }

  /** An active form and its operation, or a 404 (also when the operation was deleted since). */
  async activeWithOperation(
    db: Kysely<Database>,
    ref: EntityRef,
  ): Promise<{ form: FormRow; operation: FormOperation }> {
    const form = await this.table.get(db, ref);
    if (!form || form.status !== FormStatus.active) throw notFound('Could not find form');
    const operation = await this.operation(db, form.operation_id);
    if (!operation) throw notFound('Could not find form');
    return { form, operation };
  }

  /**
   * The operation's incoming body as one JSON Schema: the named schema's source with every schema it
   * references (`{"$ref": "Name"}`) under `$defs`, so a client can render it without further requests.
   * An empty object when the operation takes any body.
   */
  async incomingSchema(db: Kysely<Database>, operation: FormOperation): Promise<Record<string, unknown>> {
    if (isPassthrough(operation.incoming)) return {};
    const rows = await db
      .selectFrom('schemas')
      .select(['name', 'source'])
      .where('status', '=', Status.active)
      .execute();
    const sources = new Map(rows.map((r) => [r.name, parseJsonColumn<unknown>(r.source) ?? {}]));
    const rootName = schemaNameOf(operation.incoming as string);
    const root = sources.get(rootName);
    if (!root || typeof root !== 'object') return {};
    const defs: Record<string, unknown> = {};
    const pending: string[] = [];
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (!value || typeof value !== 'object') return value;
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        if (key === '$ref' && typeof v === 'string' && sources.has(schemaNameOf(v))) {
          const name = schemaNameOf(v);
          if (!(name in defs) && name !== rootName) {
            defs[name] = true;
            pending.push(name);
          }
          out[key] = name === rootName ? '#' : `#/$defs/${name}`;
        } else out[key] = rewrite(v);
      }
      return out;
    };
    const schema = rewrite(root) as Record<string, unknown>;
    for (let name = pending.shift(); name !== undefined; name = pending.shift())
      defs[name] = rewrite(sources.get(name));
    if (Object.keys(defs).length > 0) schema.$defs = { ...((schema.$defs as object) ?? {}), ...defs };
    return schema;
  }

  async create(unit: Unit, input: FormInput & { name: string; operationId: number }): Promise<number> {
    await this.table.assertNameFree(unit.db, input.name);
    await this.assertOperation(unit.db, input.operationId);
    const now = Date.now();
    const id = await unique(() =>
      insertWithId(
        unit.db.insertInto('forms').values({
          status: FormStatus.active,
          name: input.name,
          operation_id: input.operationId,
          ui_schema: uiSchemaText(input.uiSchema),
          metadata: input.metadata ? jsonText(input.metadata, formLimits.metadata, 'metadata') : null,
          created_at: now,
          updated_at: now,
        }),
        this.dialect,
      ),
    );
    unit.target(id);
    return id;
  }

  async update(unit: Unit, ref: EntityRef, input: FormInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const changes: Partial<Omit<FormRow, 'id'>> = {};
    if (input.name !== undefined && input.name !== existing.name) {
      await this.table.assertNameFree(unit.db, input.name, existing.id);
      changes.name = input.name;
    }
    if (input.operationId !== undefined) {
      await this.assertOperation(unit.db, input.operationId);
      changes.operation_id = input.operationId;
    }
    if (input.uiSchema !== undefined) changes.ui_schema = uiSchemaText(input.uiSchema);
    if (input.metadata !== undefined) changes.metadata = jsonText(input.metadata, formLimits.metadata, 'metadata');
    await unique(() =>
      unit.db
        .updateTable('forms')
        .set({ ...changes, updated_at: Date.now() })
        .where('id', '=', existing.id)
        .execute(),
    );
    unit.target(existing.id);
    return existing.id;
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    await this.table.delete(unit.db, existing.id);
    unit.target(existing.id);
    return existing.id;
  }

  private operation(db: Kysely<Database>, id: number): Promise<FormOperation | undefined> {
    return db
      .selectFrom('operations')
      .select(['id', 'name', 'http_method', 'http_path', 'incoming'])
      .where('id', '=', id)
      .where('status', '=', Status.active)
      .where('category_id', 'not in', platformCategoryIds)
      .executeTakeFirst();
  }

  /** Forms submit to the API's own operations; the platform's operations are not forms' business. */
  private async assertOperation(db: Kysely<Database>, id: number): Promise<void> {
    if (!(await this.operation(db, id))) throw badRequest(`Could not find operation ${id}`);
  }
}

async function unique<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('Form already exists');
    throw error;
  }
}
