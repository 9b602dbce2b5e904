import type { Generated, Selectable } from 'kysely';

/** A content page of the developer portal (Fusio's fusio_page); added by migration 2026-12-03a-pages. */
export interface PageTable {
  id: Generated<number>;
  /** PageStatus: visible pages are listed, invisible ones only found by id or slug */
  status: number;
  title: string;
  slug: string;
  /** Markdown, stored as given; placeholders are filled when the consumer API reads it */
  content: string;
  /** JSON object of strings */
  metadata: string | null;
  created_at: number;
  updated_at: number;
}

declare module '../db/schema.js' {
  interface Database {
    pages: PageTable;
  }
}

export type PageRow = Selectable<PageTable>;

/** Fusio's page status values; a deleted page's row is gone, so DELETED (0) is never stored. */
export const PageStatus = { visible: 1, invisible: 2 } as const;
