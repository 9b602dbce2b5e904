import type pg from 'pg';

export interface ServerRow {
  id: number;
  name: string;
  plan: string;
  region: string;
  state: string;
  updated_at: Date;
}

export interface HostingDatabase {
  readonly pool: pg.Pool;
  readonly table: string;
  migrate(): Promise<void>;
  find(id: number): Promise<ServerRow | null>;
  all(): Promise<ServerRow[]>;
  setState(id: number, state: string): Promise<ServerRow | false | null>;
  close(): Promise<void>;
}

export function openDatabase(url: string, schema: string): HostingDatabase;
