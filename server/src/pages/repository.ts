import type { Kysely } from 'kysely';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { EntityTable } from '../db/entity-table.js';
import { insertWithId } from '../db/insert.js';
import { type Collection, collection, containsIgnoreCase, type EntityRef, type Paging } from '../db/listing.js';
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

/**
 * What the page APIs accept (fusio-sdk's BackendPageCreate/Update). Types, the status and the content's
 * length are refused at the edge (api/backend/page.ts); titles are trimmed and slugs made here.
 */
export interface PageInput {
  status?: number | undefined;
  title?: string | undefined;
  slug?: string | undefined;
  content?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

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

function metadataText(metadata: Record<string, string>): string {
  const text = JSON.stringify(metadata);
  if (text.length > pageLimits.metadata)
    throw badRequest(`Page metadata must have at most ${pageLimits.metadata} characters`);
  return text;
}

/** A unique-key race between the check and the write is the same conflict. */
async function uniqueSlug<T>(slug: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw slugTaken(slug);
    throw error;
  }
}

function slugTaken(slug: string) {
  return conflict(`Page already exists: the slug "${slug}" is taken`);
}

/** A page's metadata as the APIs show it. */
export function pageMetadata(row: Pick<PageRow, 'metadata'>): Record<string, string> | undefined {
  return parseJsonColumn<Record<string, string>>(row.metadata);
}

/**
 * The developer portal's content pages: titles, unique slugs that stay when the title changes (so links
 * survive), Markdown stored as given (placeholders are filled when the consumer API reads it).
 */
export class PageRepository {
  readonly table = new EntityTable({ table: 'pages', label: 'page', nameColumn: 'slug', searchColumns: ['title'] });

  constructor(private readonly dialect: DialectName) {}

  /** A page by id or `~slug`, visible or not. */
  find(db: Kysely<Database>, ref: EntityRef): Promise<PageRow> {
    // slugs are lowercase: MariaDB's case-insensitive collation must not find `~Overview` when others do not
    if ('name' in ref && !slugPattern.test(ref.name)) throw notFound('Could not find page');
    return this.table.find(db, ref);
  }

  /** Every page, newest first, without content. */
  page<T>(db: Kysely<Database>, paging: Paging, map: (row: PageRow) => T) {
    return this.table.page(db, paging, map);
  }

  /** Visible pages by slug, as Fusio lists them to developers (without content); invisible ones are only found directly. */
  async visible<T>(
    db: Kysely<Database>,
    paging: Paging,
    map: (row: Omit<PageRow, 'content'>) => T,
  ): Promise<Collection<T>> {
    let query = db.selectFrom('pages').where('status', '=', PageStatus.visible);
    if (paging.search) query = query.where(containsIgnoreCase('title', paging.search));
    const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await query
      .select(['id', 'status', 'title', 'slug', 'metadata', 'created_at', 'updated_at'])
      .orderBy('slug', paging.sortOrder === 'desc' ? 'desc' : 'asc')
      .limit(paging.count)
      .offset(paging.startIndex)
      .execute();
    return collection(Number(total.n), paging, rows.map(map));
  }

  async create(unit: Unit, input: PageInput & { title: string }): Promise<number> {
    const title = assertTitle(input.title);
    const slug = input.slug !== undefined ? assertSlug(input.slug) : slugFromTitle(title);
    if (slug === '')
      throw badRequest('Could not make a slug of this title: give the page a slug, e.g. getting-started');
    const metadata = input.metadata ? metadataText(input.metadata) : null;
    await this.assertFreeSlug(unit.db, slug);
    const now = Date.now();
    const id = await uniqueSlug(slug, () =>
      insertWithId(
        unit.db.insertInto('pages').values({
          status: input.status ?? PageStatus.visible,
          title,
          slug,
          content: input.content ?? '',
          metadata,
          created_at: now,
          updated_at: now,
        }),
        this.dialect,
      ),
    );
    unit.touched('page');
    unit.target(id);
    return id;
  }

  /** Changes what is given; the slug stays unless given, so links to a page survive a new title. */
  async update(unit: Unit, ref: EntityRef, input: PageInput): Promise<number> {
    const existing = await this.find(unit.db, ref);
    const changes: Partial<Omit<PageRow, 'id'>> = {};
    if (input.title !== undefined) changes.title = assertTitle(input.title);
    if (input.slug !== undefined) changes.slug = assertSlug(input.slug);
    if (input.status !== undefined) changes.status = input.status;
    if (input.content !== undefined) changes.content = input.content;
    if (input.metadata !== undefined) changes.metadata = metadataText(input.metadata);
    if (changes.slug !== undefined && changes.slug !== existing.slug) {
      await this.assertFreeSlug(unit.db, changes.slug, existing.id);
    }
    await uniqueSlug(changes.slug ?? existing.slug, () =>
      unit.db
        .updateTable('pages')
        .set({ ...changes, updated_at: Date.now() })
        .where('id', '=', existing.id)
        .execute(),
    );
    unit.touched('page');
    unit.target(existing.id);
    return existing.id;
  }

  async delete(unit: Unit, ref: EntityRef): Promise<number> {
    const existing = await this.find(unit.db, ref);
    await this.table.delete(unit.db, existing.id);
    unit.touched('page');
    unit.target(existing.id);
    return existing.id;
  }

  private async assertFreeSlug(db: Kysely<Database>, slug: string, exceptId?: number): Promise<void> {
    const taken = await db.selectFrom('pages').select('id').where('slug', '=', slug).executeTakeFirst();
    if (taken && taken.id !== exceptId) throw slugTaken(slug);
  }
}
