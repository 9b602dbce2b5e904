import { createHash } from 'node:crypto';
import type { BackendUser } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import { type Collection, type Paging, pageOf } from '../db/listing.js';
import type { Database } from '../db/schema.js';
import { isoDate, parseJsonColumn } from '../db/values.js';

export type CommitKind = 'action' | 'schema';

function hashOf(prev: string, content: string): string {
  return createHash('sha256').update(prev).update('\n').update(content).digest('hex');
}

/**
 * Records a version of an action config (with the action's class) or schema source, chained to the
 * previous one by hash; answers the new commit's hash.
 */
export async function recordCommit(
  db: Kysely<Database>,
  kind: CommitKind,
  id: number,
  userId: number | null,
  content: string,
  className?: string,
): Promise<string> {
  const now = Date.now();
  if (kind === 'action') {
    const last = await db
      .selectFrom('action_commits')
      .select('commit_hash')
      .where('action_id', '=', id)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const prev = last?.commit_hash ?? '';
    const hash = hashOf(prev, `${className ?? ''}\n${content}`);
    await db
      .insertInto('action_commits')
      .values({
        action_id: id,
        user_id: userId,
        prev_hash: prev,
        commit_hash: hash,
        config: content,
        class: className ?? null,
        created_at: now,
      })
      .execute();
    return hash;
  } else {
    const last = await db
      .selectFrom('schema_commits')
      .select('commit_hash')
      .where('schema_id', '=', id)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const prev = last?.commit_hash ?? '';
    const hash = hashOf(prev, content);
    await db
      .insertInto('schema_commits')
      .values({
        schema_id: id,
        user_id: userId,
        prev_hash: prev,
        commit_hash: hash,
        source: content,
        created_at: now,
      })
      .execute();
    return hash;
  }
}

/** Whether an action or schema has a commit of this hash. */
/** The row id of commit `hash` of action or schema `id`, if it has one. */
export async function commitIdOf(
  db: Kysely<Database>,
  kind: CommitKind,
  id: number,
  hash: string,
): Promise<number | undefined> {
  const row =
    kind === 'action'
      ? await db
          .selectFrom('action_commits')
          .select('id')
          .where('action_id', '=', id)
          .where('commit_hash', '=', hash)
          .executeTakeFirst()
      : await db
          .selectFrom('schema_commits')
          .select('id')
          .where('schema_id', '=', id)
          .where('commit_hash', '=', hash)
          .executeTakeFirst();
  return row?.id;
}

export async function commitExists(db: Kysely<Database>, kind: CommitKind, id: number, hash: string): Promise<boolean> {
  return (await commitIdOf(db, kind, id, hash)) !== undefined;
}

/**
 * The hash of the version an action or schema serves now: its newest commit, when that holds what the
 * row holds; otherwise (an entity written before commits were kept, or whose class changed without a
 * commit) a commit of what it holds is recorded first, so a pin always names what is served.
 */
export async function currentCommit(db: Kysely<Database>, kind: CommitKind, id: number): Promise<string> {
  if (kind === 'action') {
    const row = await db
      .selectFrom('actions')
      .select(['config', 'class'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const last = await db
      .selectFrom('action_commits')
      .select(['commit_hash', 'config', 'class'])
      .where('action_id', '=', id)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const config = row.config ?? '{}';
    if (last && last.config === config && last.class === row.class) return last.commit_hash;
    return recordCommit(db, 'action', id, null, config, row.class);
  }
  const row = await db.selectFrom('schemas').select('source').where('id', '=', id).executeTakeFirstOrThrow();
  const last = await db
    .selectFrom('schema_commits')
    .select(['commit_hash', 'source'])
    .where('schema_id', '=', id)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (last && last.source === row.source) return last.commit_hash;
  return recordCommit(db, 'schema', id, null, row.source);
}

/** The users named by commits, as the small BackendUser the commit views carry. */
export async function commitAuthors(db: Kysely<Database>, ids: (number | null)[]): Promise<Map<number, BackendUser>> {
  const wanted = [...new Set(ids.filter((i): i is number => i !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', wanted).execute();
  return new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, ...(r.email ? { email: r.email } : {}) }]));
}

/** One saved version, as the backend lists them; `content` is the config (actions) or source (schemas). */
export interface CommitView {
  id: number;
  user?: BackendUser;
  commitHash: string;
  content: Record<string, unknown>;
  insertDate: string | undefined;
}

/** A page of an action's or schema's versions, newest first, with their authors. */
export async function commitHistory(
  db: Kysely<Database>,
  kind: CommitKind,
  id: number,
  page: Paging,
): Promise<Collection<CommitView>> {
  const rows =
    kind === 'action'
      ? await pageOf(db.selectFrom('action_commits').where('action_id', '=', id), page, (row) => ({
          ...row,
          content: row.config,
        }))
      : await pageOf(db.selectFrom('schema_commits').where('schema_id', '=', id), page, (row) => ({
          ...row,
          content: row.source,
        }));
  const authors = await commitAuthors(
    db,
    rows.entry.map((r) => r.user_id),
  );
  return {
    ...rows,
    entry: rows.entry.map((row) => {
      const author = row.user_id === null ? undefined : authors.get(row.user_id);
      return {
        id: row.id,
        ...(author ? { user: author } : {}),
        commitHash: row.commit_hash,
        content: parseJsonColumn<Record<string, unknown>>(row.content) ?? {},
        insertDate: isoDate(row.created_at),
      };
    }),
  };
}
