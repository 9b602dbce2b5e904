import type { Kysely } from 'kysely';
import { type CommitKind, commitIdOf, currentCommit } from '../changes/history.js';
import type { Unit } from '../changes/unit.js';
import { Category, type Database, Status } from '../db/schema.js';
import { isoDate } from '../db/values.js';
import { badRequest, conflict } from '../errors.js';

/** A release name: `x.y.z`, as `Api-Version` carries it. */
export const versionPattern = /^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$/;

export interface ReleaseView {
  version: string;
  actions: number;
  schemas: number;
  insertDate: string | undefined;
}

/**
 * Releases (Fusio's action and schema tags): a release names the current commit of every action and
 * schema, so `Api-Version: x.y.z` can later be served the way they were then.
 */
export class ReleaseRepository {
  /** Tags the current commit of every action and schema with `version`; a version is given once. */
  async release(unit: Unit, version: string): Promise<{ actions: number; schemas: number }> {
    if (!versionPattern.test(version)) throw badRequest(`Version "${version}" must be of the form x.y.z, e.g. 1.2.0`);
    const db = unit.db;
    if (await this.exists(db, version))
      throw conflict(`Release ${version} exists already; a release cannot be changed, give a new version`);
    const userId = unit.actor?.userId ?? null;
    const now = Date.now();
    const actions = await this.tagCurrent(db, 'action', version, userId, now);
    const schemas = await this.tagCurrent(db, 'schema', version, userId, now);
    // the gateway compiles each release's variants of the operations ahead
    unit.touched('action');
    unit.touched('schema');
    return { actions, schemas };
  }

  /** Tags the current commit of every active action (or schema) with `version`; how many it tagged. */
  private async tagCurrent(
    db: Kysely<Database>,
    kind: CommitKind,
    version: string,
    userId: number | null,
    now: number,
  ): Promise<number> {
    const rows = await db
      .selectFrom(kind === 'action' ? 'actions' : 'schemas')
      .select('id')
      .where('category_id', '=', Category.default)
      .where('status', '=', Status.active)
      .orderBy('id')
      .execute();
    for (const row of rows) {
      const hash = await currentCommit(db, kind, row.id);
      const commitId = await commitIdOf(db, kind, row.id, hash);
      if (commitId === undefined) throw new Error(`${kind} ${row.id} has no commit ${hash}`);
      await db
        .insertInto(kind === 'action' ? 'action_tags' : 'schema_tags')
        .values({ commit_id: commitId, user_id: userId, version, created_at: now })
        .execute();
    }
    return rows.length;
  }

  /** The releases, newest first, with how many actions and schemas each tagged. */
  async list(db: Kysely<Database>): Promise<ReleaseView[]> {
    const [actions, schemas] = await Promise.all([
      db
        .selectFrom('action_tags')
        .select([
          'version',
          (eb) => eb.fn.countAll<number>().as('count'),
          (eb) => eb.fn.min('created_at').as('created'),
        ])
        .groupBy('version')
        .execute(),
      db
        .selectFrom('schema_tags')
        .select([
          'version',
          (eb) => eb.fn.countAll<number>().as('count'),
          (eb) => eb.fn.min('created_at').as('created'),
        ])
        .groupBy('version')
        .execute(),
    ]);
    const byVersion = new Map<string, { actions: number; schemas: number; created: number }>();
    for (const [list, field] of [
      [actions, 'actions'],
      [schemas, 'schemas'],
    ] as const) {
      for (const row of list) {
        const entry = byVersion.get(row.version) ?? { actions: 0, schemas: 0, created: Number(row.created) };
        entry[field] = Number(row.count);
        entry.created = Math.min(entry.created, Number(row.created));
        byVersion.set(row.version, entry);
      }
    }
    return [...byVersion.entries()]
      .sort(([a], [b]) => compareVersions(b, a))
      .map(([version, e]) => ({ version, actions: e.actions, schemas: e.schemas, insertDate: isoDate(e.created) }));
  }

  /** Whether a release of this version exists. */
  async exists(db: Kysely<Database>, version: string): Promise<boolean> {
    const row =
      (await db.selectFrom('action_tags').select('id').where('version', '=', version).executeTakeFirst()) ??
      (await db.selectFrom('schema_tags').select('id').where('version', '=', version).executeTakeFirst());
    return row !== undefined;
  }
}

/** 1.10.0 after 1.9.0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}
