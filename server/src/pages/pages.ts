import type { BackendPage, ConsumerPage } from 'fusio-sdk';
import type { Kysely } from 'kysely';
import type { DialectName } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import { type Collection, collection, containsIgnoreCase, type EntityRef, type Paging, pageOf } from '../db/listing.js';
import type { Database } from '../db/schema.js';
import { parseJsonColumn } from '../db/values.js';
import { badRequest, conflict, isUniqueViolation, notFound } from '../errors.js';
import { type PageRow, PageStatus } from './tables.js';

export const pageLimits = { title: 255, slug: 128, content: 100_000, metadata: 8_192 } as const;

const slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** `Getting Started — Ünïcode!` → `getting-started-unicode`; empty when nothing usable is left. */
export function slugFromTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, pageLimits.slug)
    .replace(/-+$/, '');
}

/** What the page APIs accept: fusio-sdk's BackendPageCreate/Update. */
export interface PageInput {
  status?: number | undefined;
  title?: string | undefined;
  slug?: string | undefined;
  content?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

/** The JSON Schema of the request body: types here, the rules with their messages in `checked`. */
export const pageBodySchema = {
  type: 'object',
  properties: {
    status: { type: 'integer' },
    title: { type: 'string' },
    slug: { type: 'string' },
    content: { type: 'string' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

function assertTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed === '') throw badRequest('Page title must not be empty');
  if (trimmed.length > pageLimits.title)
    throw badRequest(`Page title must have at most ${pageLimits.title} characters`);
  return trimmed;
}

function assertSlug(slug: string): string {
  if (slug.length > pageLimits.slug || !slugPattern.test(slug)) {
    throw badRequest(
      `Invalid page slug "${slug.slice(0, 64)}": use lowercase letters, digits and single hyphens (at most ${pageLimits.slug} characters), e.g. getting-started`,
    );
  }
  return slug;
}

function assertContent(content: string): string {
  if (content.length > pageLimits.content) {
    throw badRequest(`Page content must have at most ${pageLimits.content} characters`);
  }
  return content;
}

function assertStatus(status: number): number {
  if (status !== PageStatus.visible && status !== PageStatus.invisible) {
    throw badRequest('Page status must be 1 (visible) or 2 (invisible); delete a page with DELETE');
  }
  return status;
}

function metadataText(metadata: Record<string, string>): string {
  const text = JSON.stringify(metadata);
  if (text.length > pageLimits.metadata)
    throw badRequest(`Page metadata must have at most ${pageLimits.metadata} characters`);
  return text;
}

export async function findPage(db: Kysely<Database>, ref: EntityRef): Promise<PageRow> {
  // slugs are lowercase: MariaDB's case-insensitive collation must not find `~Overview` when others do not
  if ('name' in ref && !slugPattern.test(ref.name)) throw notFound('Could not find page');
  const query = db.selectFrom('pages').selectAll();
  const row = await ('id' in ref
    ? query.where('id', '=', ref.id)
    : query.where('slug', '=', ref.name)
  ).executeTakeFirst();
  if (!row) throw notFound('Could not find page');
  return row;
}

async function assertFreeSlug(db: Kysely<Database>, slug: string, exceptId?: number): Promise<void> {
  const taken = await db.selectFrom('pages').select('id').where('slug', '=', slug).executeTakeFirst();
  if (taken && taken.id !== exceptId) throw conflict(`Page already exists: the slug "${slug}" is taken`);
}

/** A unique-key race between the check and the write is the same conflict. */
async function uniqueSlug<T>(slug: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`Page already exists: the slug "${slug}" is taken`);
    throw error;
  }
}

export async function createPage(db: Kysely<Database>, dialect: DialectName, input: PageInput): Promise<number> {
  if (input.title === undefined) throw badRequest('Page title must not be empty');
  const title = assertTitle(input.title);
  const slug = input.slug !== undefined ? assertSlug(input.slug) : slugFromTitle(title);
  if (slug === '') throw badRequest('Could not make a slug of this title: give the page a slug, e.g. getting-started');
  const status = assertStatus(input.status ?? PageStatus.visible);
  const content = assertContent(input.content ?? '');
  const metadata = input.metadata ? metadataText(input.metadata) : null;
  await assertFreeSlug(db, slug);
  const now = Date.now();
  return uniqueSlug(slug, () =>
    insertWithId(
      db.insertInto('pages').values({ status, title, slug, content, metadata, created_at: now, updated_at: now }),
      dialect,
    ),
  );
}

/** Changes what is given; the slug stays unless given, so links to a page survive a new title. */
export async function updatePage(db: Kysely<Database>, ref: EntityRef, input: PageInput): Promise<number> {
  const existing = await findPage(db, ref);
  const changes: Partial<Omit<PageRow, 'id'>> = {};
  if (input.title !== undefined) changes.title = assertTitle(input.title);
  if (input.slug !== undefined) changes.slug = assertSlug(input.slug);
  if (input.status !== undefined) changes.status = assertStatus(input.status);
  if (input.content !== undefined) changes.content = assertContent(input.content);
  if (input.metadata !== undefined) changes.metadata = metadataText(input.metadata);
  if (changes.slug !== undefined && changes.slug !== existing.slug) await assertFreeSlug(db, changes.slug, existing.id);
  await uniqueSlug(changes.slug ?? existing.slug, () =>
    db
      .updateTable('pages')
      .set({ ...changes, updated_at: Date.now() })
      .where('id', '=', existing.id)
      .execute(),
  );
  return existing.id;
}

export async function deletePage(db: Kysely<Database>, ref: EntityRef): Promise<number> {
  const existing = await findPage(db, ref);
  await db.deleteFrom('pages').where('id', '=', existing.id).execute();
  return existing.id;
}

function withMetadata<T extends { metadata?: Record<string, string> }>(view: T, row: PageRow): T {
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) view.metadata = metadata;
  return view;
}

/** The admin's view: the raw Markdown, placeholders included. */
export function backendPageView(row: PageRow, withContent: boolean): BackendPage {
  const view: BackendPage = { id: row.id, status: row.status, title: row.title, slug: row.slug };
  if (withContent) view.content = row.content;
  return withMetadata(view, row);
}

export function consumerPageView(row: PageRow, content?: string): ConsumerPage {
  const view: ConsumerPage = { id: row.id, title: row.title, slug: row.slug };
  if (content !== undefined) view.content = content;
  return withMetadata(view, row);
}

export function listBackendPages(db: Kysely<Database>, page: Paging): Promise<Collection<BackendPage>> {
  let query = db.selectFrom('pages');
  if (page.search) query = query.where(containsIgnoreCase('title', page.search));
  return pageOf(query, page, (row) => backendPageView(row, false));
}

/** Visible pages by slug, as Fusio lists them to developers; invisible ones are only found directly. */
export async function listVisiblePages(db: Kysely<Database>, page: Paging): Promise<Collection<ConsumerPage>> {
  let query = db.selectFrom('pages').where('status', '=', PageStatus.visible);
  if (page.search) query = query.where(containsIgnoreCase('title', page.search));
  const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await query
    .select(['id', 'status', 'title', 'slug', 'metadata', 'created_at', 'updated_at'])
    .orderBy('slug', page.sortOrder === 'desc' ? 'desc' : 'asc')
    .limit(page.count)
    .offset(page.startIndex)
    .execute();
  return collection(
    Number(total.n),
    page,
    rows.map((row) => consumerPageView({ ...row, content: '' })),
  );
}
