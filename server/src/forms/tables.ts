import type { Generated, Selectable } from 'kysely';

/** A form of the developer portal (Fusio's fusio_form); added by migration 2026-12-04f-forms. */
export interface FormTable {
  id: Generated<number>;
  /** FormStatus; a deleted form's row is gone */
  status: number;
  name: string;
  /** the (user) operation the form submits to; its incoming schema gives the fields */
  operation_id: number;
  /** JSON: a react-jsonschema-form style UI schema (`ui:widget`, `ui:order`, `ui:help`, …) */
  ui_schema: string;
  /** JSON object of strings */
  metadata: string | null;
  created_at: number;
  updated_at: number;
}

declare module '../db/schema.js' {
  interface Database {
    forms: FormTable;
  }
}

export type FormRow = Selectable<FormTable>;

/** Fusio's form status: only active forms exist (deleting removes the row). */
export const FormStatus = { active: 1 } as const;
