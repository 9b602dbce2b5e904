import type { Generated, Selectable } from 'kysely';

/** A folder of the admin app (Fusio's fusio_taxonomy); added by migration 2026-12-03t-taxonomies. */
export interface TaxonomyTable {
  id: Generated<number>;
  /** the taxonomy it is nested in, null at the top */
  parent_id: number | null;
  name: string;
  created_at: number;
}

/** The tables whose rows a taxonomy organises, by the key of fusio-sdk's BackendTaxonomyMove. */
export const organisedTables = {
  operations: 'operations',
  actions: 'actions',
  schemas: 'schemas',
  events: 'events',
  cronjobs: 'cronjobs',
  triggers: 'triggers',
} as const;

export type OrganisedKey = keyof typeof organisedTables;

declare module '../db/schema.js' {
  interface Database {
    taxonomies: TaxonomyTable;
  }
  interface OperationTable {
    taxonomy_id: number | null;
  }
  interface ActionTable {
    taxonomy_id: number | null;
  }
  interface SchemaTable {
    taxonomy_id: number | null;
  }
}

declare module '../events/tables.js' {
  interface EventTable {
    taxonomy_id: number | null;
  }
  interface CronjobTable {
    taxonomy_id: number | null;
  }
  interface TriggerTable {
    taxonomy_id: number | null;
  }
}

export type TaxonomyRow = Selectable<TaxonomyTable>;
