import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { Kysely } from 'kysely';
import type { Caller } from '../../auth/caller.js';
import { PendingAudit } from '../../changes/audit.js';
import { secretMask } from '../../connections/secrets.js';
import { type Database, platformCategoryIds } from '../../db/schema.js';
import { PorticoError } from '../../errors.js';
import type { CompiledOperation } from '../../gateway/types.js';
import { describeValidationError, newAjv } from '../../schema/json-schema.js';
import { type OrganisedKey, organisedTables } from '../../taxonomies/tables.js';
import type { Platform } from '../platform.js';
import type { SystemOperation } from '../system-operation.js';
import {
  type ConfigurationFile,
  envReferenceTo,
  FileError,
  type ParsedFile,
  renderConfiguration,
  resolveEnv,
  schemaPath,
} from './file.js';
import { type EntityKind, type Entry, kinds, type Lookup } from './kinds.js';

/** Who applies a configuration, and how the audit log names it ("deploy portico.yaml", "backup import"). */
export interface Applier {
  readonly caller: Caller;
  readonly label: string;
  readonly ip: string;
}

/** The platform's own operations by name: the configuration is read and written through them. */
export type OperationsByName = ReadonlyMap<string, SystemOperation>;

export function operationsByName(operations: readonly SystemOperation[]): OperationsByName {
  return new Map(operations.map((op) => [op.name, op]));
}

const noOperation = { id: 0, name: 'configuration' } as unknown as CompiledOperation;

/** Runs one of the platform's backend operations in-process, as a request from `caller` would. */
export async function run(
  platform: Platform,
  operations: OperationsByName,
  caller: Caller,
  name: string,
  params: Record<string, string>,
  body?: unknown,
  audit?: PendingAudit,
  ip = '127.0.0.1',
): Promise<unknown> {
  const operation = operations.get(name);
  if (!operation) throw new Error(`the platform has no operation ${name}`);
  return operation.handler({
    platform,
    caller,
    operation: noOperation,
    ...(audit ? { audit } : {}),
    request: {
      method: operation.method,
      path: operation.path,
      params,
      query: {},
      headers: {},
      body,
      // the applier's address: the firewall's rule that an administrator cannot lock themselves out sees it
      ip,
      requestId: 'configuration',
    },
  });
}

export function lookupOf(db: Kysely<Database>): Lookup {
  return {
    async nameOf(table, id) {
      const row = await db
        .selectFrom(table as 'operations')
        .select('name')
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.name;
    },
    async idOf(table, name) {
      let query = db
        .selectFrom(table as 'operations')
        .select('id')
        .where('name', '=', name);
      if (table === 'operations') {
        query = query.where('status', '=', 1).where('category_id', 'not in', [...platformCategoryIds]);
      }
      const row = await query.executeTakeFirst();
      return row?.id;
    },
    async membersOf(taxonomyId) {
      const members: Partial<Record<OrganisedKey, string[]>> = {};
      for (const [list, table] of Object.entries(organisedTables) as [OrganisedKey, string][]) {
        const rows = await db
          .selectFrom(table as 'operations')
          .select('name')
          .where('taxonomy_id', '=', taxonomyId)
          // the platform's own entities are never in the file, so a folder's list leaves them out too
          .where('category_id', 'not in', [...platformCategoryIds])
          .execute();
        if (rows.length > 0) members[list] = rows.map((r) => r.name).sort();
      }
      return members;
    },
    async peopleAllocations(rateName) {
      const rows = await db
        .selectFrom('rate_allocations')
        .innerJoin('rates', 'rates.id', 'rate_allocations.rate_id')
        .select([
          'rate_allocations.operation_id',
          'rate_allocations.plan_id',
          'rate_allocations.user_id',
          'rate_allocations.app_id',
          'rate_allocations.authenticated',
        ])
        .where('rates.name', '=', rateName)
        .where((eb) =>
          eb.or([eb('rate_allocations.user_id', 'is not', null), eb('rate_allocations.app_id', 'is not', null)]),
        )
        .orderBy('rate_allocations.id')
        .execute();
      return rows.map((row) => {
        const item: Record<string, unknown> = {};
        if (row.operation_id !== null) item.operationId = row.operation_id;
        if (row.plan_id !== null) item.planId = row.plan_id;
        if (row.user_id !== null) item.userId = row.user_id;
        if (row.app_id !== null) item.appId = row.app_id;
        if (row.authenticated !== null) item.authenticated = row.authenticated === 1;
        return item;
      });
    },
  };
}

/** The rows of a kind the file manages, by key. */
async function managedRows(kind: EntityKind, platform: Platform, db: Kysely<Database>) {
  if (kind.managed) return kind.managed(db);
  const table = kind.table(platform);
  const column = kind.key;
  // biome-ignore lint/suspicious/noExplicitAny: the kind's table is chosen at run time
  const rows = await (table.select(db) as any)
    .select(['id', `${column} as key`])
    .orderBy('id')
    .execute();
  return rows as { id: number; key: string }[];
}

/** What is installed now, entry by entry; `revealed` puts the stored credentials in (for comparing only). */
export interface InstalledEntry {
  readonly id: number;
  readonly entry: Entry;
}

export type Installed = Map<string, Map<string, InstalledEntry>>;

async function readInstalled(
  platform: Platform,
  operations: OperationsByName,
  caller: Caller,
  db: Kysely<Database>,
  options: { revealed: boolean; only?: (kind: EntityKind) => boolean },
): Promise<Installed> {
  const lookup = lookupOf(db);
  const installed: Installed = new Map();
  for (const kind of kinds) {
    const entries = new Map<string, InstalledEntry>();
    installed.set(kind.list, entries);
    if (options.only && !options.only(kind)) continue;
    for (const row of await managedRows(kind, platform, db)) {
      const view = (await run(platform, operations, caller, `backend.${kind.entity}.get`, {
        [`${kind.entity}_id`]: String(row.id),
      })) as Record<string, unknown>;
      const entry = await kind.toEntry(view, lookup);
      if (options.revealed && kind.revealed && entry.config) {
        const stored = await kind.revealed(platform, db, row.id);
        const config = { ...(entry.config as Record<string, unknown>) };
        for (const field of kind.secrets?.(entry, platform) ?? []) {
          if (stored[field] !== undefined) config[field] = stored[field];
        }
        entry.config = config;
      }
      entries.set(String(row.key), { id: row.id, entry });
    }
  }
  return installed;
}

/** The name of the variable an exported credential is read from: CONNECTION_LEGACY_DB_PASSWORD. */
export function secretVariable(kind: EntityKind, name: string, field: string): string {
  const words = `${kind.entity}_${name}_${field}`.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  return words.replace(/^_+|_+$/g, '');
}

export interface ExportResult {
  readonly yaml: string;
  readonly data: ConfigurationFile;
  /** the environment variables the file's credentials are read from */
  readonly variables: readonly string[];
}

/**
 * The whole configuration as a file: credentials are never written, only the `${env:NAME}` a deploy
 * reads them from. `only` leaves out the kinds a caller may not read.
 */
export async function exportConfiguration(
  platform: Platform,
  operations: OperationsByName,
  caller: Caller,
  only?: (kind: EntityKind) => boolean,
): Promise<ExportResult> {
  const installed = await readInstalled(platform, operations, caller, platform.db, {
    revealed: false,
    ...(only ? { only } : {}),
  });
  const data: Record<string, unknown> = { version: 1 };
  const variables: string[] = [];
  for (const kind of kinds) {
    if (only && !only(kind)) continue;
    const entries: Entry[] = [];
    for (const { entry } of installed.get(kind.list)?.values() ?? []) {
      const secrets = kind.secrets?.(entry, platform) ?? [];
      if (secrets.length > 0 && entry.config) {
        const config = { ...(entry.config as Record<string, unknown>) };
        for (const field of secrets) {
          if (config[field] === undefined || config[field] === '') continue;
          const variable = secretVariable(kind, String(entry[kind.key]), field);
          config[field] = envReferenceTo(variable);
          variables.push(variable);
        }
        entry.config = config;
      }
      entries.push(entry);
    }
    data[kind.list] = entries;
  }
  const notes =
    variables.length > 0
      ? [`Credentials are not exported: set ${variables.join(', ')} before deploying.`]
      : ['No credentials in this installation needed an environment variable.'];
  const file = data as ConfigurationFile;
  return { yaml: renderConfiguration(file, `${platform.config.publicUrl}${schemaPath}`, notes), data: file, variables };
}

export type ChangeVerb = 'create' | 'update' | 'delete';

export interface PlannedChange {
  readonly kind: string;
  readonly key: string;
  readonly verb: ChangeVerb;
  /** the fields that change (`config.url`), never their values */
  readonly fields: readonly string[];
  readonly line: number | null;
}

export interface DeployOptions {
  /** the environment `${env:NAME}` references are read from; null: none (the backup API) */
  readonly env: Readonly<Record<string, string | undefined>> | null;
  readonly prune: boolean;
  readonly dryRun: boolean;
  /** a caller that lacks the scope of a kind it would change is refused (the backup API) */
  readonly mayChange?: (kind: EntityKind) => boolean;
}

export interface DeployResult {
  readonly changes: readonly PlannedChange[];
  readonly applied: boolean;
}

/** Scalars and objects equal as JSON, whatever the key order. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => same(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set(
    [...Object.keys(ao), ...Object.keys(bo)].filter((k) => ao[k] !== undefined || bo[k] !== undefined),
  );
  for (const key of keys) if (!same(ao[key], bo[key])) return false;
  return true;
}

/** The fields of `wanted` that differ from `current`: a field the file leaves out keeps its value. */
function changedFields(wanted: Entry, current: Entry): string[] {
  const fields: string[] = [];
  for (const [field, value] of Object.entries(wanted)) {
    if (same(value, current[field])) continue;
    // an installed entry leaves out a list it has nothing in (a folder's `operations`): `[]` is no change
    if (Array.isArray(value) && value.length === 0 && current[field] === undefined) continue;
    if (
      field === 'config' &&
      value &&
      typeof value === 'object' &&
      current[field] &&
      typeof current[field] === 'object'
    ) {
      const was = current[field] as Record<string, unknown>;
      const now = value as Record<string, unknown>;
      for (const key of new Set([...Object.keys(now), ...Object.keys(was)])) {
        if (!same(now[key], was[key])) fields.push(`config.${key}`);
      }
    } else fields.push(field);
  }
  return fields;
}

const validators = new Map<string, ValidateFunction>();
const ajv = newAjv({ verbose: true });

/** The body checked against the schema the operation's edge checks (the same words as the API's 400). */
function checkBody(operations: OperationsByName, name: string, body: unknown, create: boolean): string | null {
  const operation = operations.get(name);
  if (!operation?.incoming) return null;
  const key = `${name}:${create}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(operation.incoming);
    validators.set(key, validate);
  }
  return validate(body) ? null : describeValidationError(validate.errors, 'Entry');
}

interface Step {
  readonly kind: EntityKind;
  readonly change: PlannedChange;
  readonly id: number | null;
  readonly entry: Entry | null;
  readonly index: number;
}

/**
 * Applies a configuration file: the difference first, then — unless it is a dry run — every change in
 * one unit, in dependency order, through the same operations the backend API runs. Anything wrong
 * (the file's shape, a missing variable, a dangling reference, an entry the API refuses) is thrown with
 * its line before or instead of a commit: a file with an error changes nothing.
 */
export async function deployConfiguration(
  platform: Platform,
  operations: OperationsByName,
  applier: Applier,
  file: ParsedFile,
  options: DeployOptions,
): Promise<DeployResult> {
  const installed = await readInstalled(platform, operations, applier.caller, platform.db, { revealed: true });
  const steps: Step[] = [];
  const deletions: Step[] = [];
  for (const kind of kinds) {
    const current = installed.get(kind.list) ?? new Map<string, InstalledEntry>();
    const wanted = file.entries(kind.list);
    const secretsOf = (entry: Entry) => new Set(kind.secrets?.(entry, platform) ?? []);
    wanted.forEach((raw, index) => {
      const key = String(raw[kind.key]);
      const found = current.get(key);
      const secrets = secretsOf(raw);
      let entry = resolveEnv(raw, options.env, [kind.list, index], (name, path) => {
        const [, , top, field] = path;
        const isSecret = top === 'config' && typeof field === 'string' && secrets.has(field);
        // without an environment (the backup API) a credential of an existing entry keeps its stored value
        if (options.env === null && isSecret && found) return secretMask;
        if (options.env === null) {
          throw file.error(
            `${kind.list} "${key}": \${env:${name}} can only be read by \`portico deploy\`; the backup API takes literal values`,
            path,
          );
        }
        throw file.error(`${kind.list} "${key}": environment variable ${name} is not set`, path);
      }) as Entry;
      if (kind.normalise) entry = kind.normalise(entry);
      if (entry.config && typeof entry.config === 'object') {
        // a kept credential is not a change
        for (const [field, value] of Object.entries(entry.config as Record<string, unknown>)) {
          if (value === secretMask && found?.entry.config) {
            (entry.config as Record<string, unknown>)[field] = (found.entry.config as Record<string, unknown>)[field];
          }
        }
      }
      const line = file.lineOf([kind.list, index]);
      if (kind.list === 'config') {
        if (!found) {
          throw file.error(`config "${key}" is not a setting of this installation (or is a secret one)`, [
            kind.list,
            index,
            'name',
          ]);
        }
      }
      if (!found) {
        steps.push({
          kind,
          id: null,
          entry,
          index,
          change: { kind: kind.list, key, verb: 'create', fields: [], line },
        });
        return;
      }
      const fields = changedFields(entry, kind.normalise ? kind.normalise(found.entry) : found.entry);
      if (fields.length > 0) {
        steps.push({
          kind,
          id: found.id,
          entry,
          index,
          change: { kind: kind.list, key, verb: 'update', fields, line },
        });
      }
    });
    // a list the file does not have at all is not managed by it: only the lists it has are pruned
    if (options.prune && !kind.updateOnly && Object.hasOwn(file.data, kind.list)) {
      const keys = new Set(wanted.map((e) => String(e[kind.key])));
      for (const [key, { id }] of current) {
        if (keys.has(key) || kind.seeded?.(key)) continue;
        deletions.push({
          kind,
          id,
          entry: null,
          index: -1,
          change: { kind: kind.list, key, verb: 'delete', fields: [], line: null },
        });
      }
    }
  }

  // references: to something in the file, or to something installed that this deploy does not delete
  const deleted = new Set(deletions.map((d) => `${d.kind.list}\u0000${d.change.key}`));
  for (const kind of kinds) {
    const entries = file.entries(kind.list);
    for (const [index, entry] of entries.entries()) {
      for (const ref of kind.references?.(entry) ?? []) {
        const inFile = file.entries(ref.kind).some((e) => String(e[kindKey(ref.kind)]) === ref.name);
        const isManaged = installed.get(ref.kind)?.has(ref.name) === true;
        if (inFile || (isManaged && !deleted.has(`${ref.kind}\u0000${ref.name}`))) continue;
        if (!isManaged && (await platformHas(platform.db, ref.kind, ref.name))) continue;
        throw file.error(
          `${kind.list} "${String(entry[kind.key])}" refers to ${kinds.find((k) => k.list === ref.kind)?.entity ?? ref.kind.replace(/s$/, '')} "${ref.name}", which neither the file nor the installation has`,
          [kind.list, index, ...ref.path],
        );
      }
    }
  }

  // deletions run in reverse dependency order: an operation goes before the action and scopes it uses
  const ordered = [...steps, ...[...deletions].reverse()];
  const changes = ordered.map((s) => s.change);
  for (const step of [...steps, ...deletions]) {
    if (options.mayChange && !options.mayChange(step.kind)) {
      throw new PorticoError(
        'FORBIDDEN',
        `The import would change ${step.kind.list} ("${step.change.key}"), which needs the scope backend.${step.kind.entity} your token does not hold`,
      );
    }
  }
  // each entry through the schema the API's edge applies, before the first write
  for (const step of steps) {
    if (!step.entry) continue;
    const body = await step.kind.toBody(step.entry, placeholderLookup);
    const verb = step.id === null ? 'create' : 'update';
    const problem = checkBody(operations, `backend.${step.kind.entity}.${verb}`, body, verb === 'create');
    if (problem) throw file.error(`${step.kind.list} "${step.change.key}": ${problem}`, [step.kind.list, step.index]);
  }
  if (options.dryRun || changes.length === 0) return { changes, applied: false };

  await platform.changes.writeAll(undefined, async (unit) => {
    const inUnit = withDatabase(platform, unit.db);
    const lookup = lookupOf(unit.db);
    for (const step of ordered) {
      const { kind, change } = step;
      const verb = change.verb;
      const name = `backend.${kind.entity}.${verb}`;
      const params = step.id === null ? {} : { [`${kind.entity}_id`]: String(step.id) };
      try {
        const body = step.entry ? await kind.toBody(step.entry, lookup) : undefined;
        const operation = operations.get(name);
        const audit = new PendingAudit({
          userId: applier.caller.user?.id ?? null,
          appId: applier.caller.app?.id ?? null,
          event: name,
          ip: applier.ip,
          message: `${name} by ${applier.label}`,
          content: operation?.auditBody && body ? operation.auditBody(body, platform) : body,
        });
        const result = await run(inUnit, operations, applier.caller, name, params, body, audit, applier.ip);
        const id = step.id ?? createdId(result);
        if (kind.afterWrite && step.entry && id !== null) {
          await kind.afterWrite(step.entry, id, {
            platform: inUnit,
            unit,
            lookup,
            run: (next, nextParams, nextBody) => {
              const nextAudit = new PendingAudit({
                userId: applier.caller.user?.id ?? null,
                appId: applier.caller.app?.id ?? null,
                event: next,
                ip: applier.ip,
                message: `${next} by ${applier.label}`,
                content: nextBody,
              });
              return run(inUnit, operations, applier.caller, next, nextParams, nextBody, nextAudit, applier.ip);
            },
          });
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const message = `${kind.list} "${change.key}" could not be ${verb === 'create' ? 'created' : verb === 'update' ? 'changed' : 'deleted'}: ${reason}. Nothing was changed`;
        const located = step.entry ? file.error(message, [kind.list, step.index]) : new FileError(message, null);
        // the API's own status (403 for a grant beyond the token, 409, 503) with the entry's line
        if (error instanceof PorticoError && error.status !== 400) throw new PorticoError(error.code, located.message);
        throw located;
      }
    }
  });
  return { changes, applied: true };
}

/** The id a create operation answered with: `{id}` in its message, itself plain or the body of a 201. */
function createdId(result: unknown): number | null {
  const answer = result as { id?: unknown; body?: { id?: unknown } } | undefined;
  const id = Number(answer?.body?.id ?? answer?.id);
  return Number.isInteger(id) && id > 0 ? id : null;
}

/** What `require` of a reference resolves to while only the shape is checked: ids come at apply time. */
const placeholderLookup: Lookup = {
  nameOf: async () => 'placeholder',
  idOf: async () => 1,
  membersOf: async () => ({}),
  peopleAllocations: async () => [],
};

function kindKey(list: string): string {
  return kinds.find((k) => k.list === list)?.key ?? 'name';
}

/** What the file does not manage but may name: the platform's own scopes, apps, built-in categories (by name). */
async function platformHas(db: Kysely<Database>, list: string, name: string): Promise<boolean> {
  if (list === 'scopes')
    return (await db.selectFrom('scopes').select('id').where('name', '=', name).executeTakeFirst()) !== undefined;
  if (list === 'apps') return (await lookupOf(db).idOf('apps', name)) !== undefined;
  // the five built-in categories are in every installation and never in the file
  if (list === 'categories') return (await lookupOf(db).idOf('categories', name)) !== undefined;
  return false;
}

/** The platform as the deploy's operations see it: every read and write goes through the unit. */
export function withDatabase(platform: Platform, db: Kysely<Database>): Platform {
  return new Proxy(platform, {
    get(target, property, receiver) {
      if (property === 'db') return db;
      return Reflect.get(target, property, receiver);
    },
  });
}

/** The difference as the deploy prints it. */
export function describeChanges(changes: readonly PlannedChange[]): string[] {
  if (changes.length === 0) return ['No changes: the installation already matches the file.'];
  const lines: string[] = [];
  const mark: Record<ChangeVerb, string> = { create: '+', update: '~', delete: '-' };
  for (const change of changes) {
    const what =
      change.verb === 'update'
        ? `: ${change.fields.join(', ')}`
        : ` (${change.verb === 'create' ? 'created' : 'deleted'})`;
    lines.push(`${mark[change.verb]} ${change.kind} ${change.key}${what}`);
  }
  const count = (verb: ChangeVerb) => changes.filter((c) => c.verb === verb).length;
  lines.push(`${count('create')} to create, ${count('update')} to change, ${count('delete')} to delete`);
  return lines;
}
