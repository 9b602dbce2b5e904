import type { Generated, Selectable } from 'kysely';

/** A firewall rule (migration 2026-12-03f-firewall): Fusio's `fusio_firewall`, with CIDR ranges. */
export interface FirewallTable {
  id: Generated<number>;
  name: string;
  /** 0 deny, 1 allow (Fusio's numbers) */
  type: number;
  /** an address or CIDR range, in canonical form */
  ip: string;
  /** epoch ms after which the rule no longer applies; null: never */
  expire: number | null;
  metadata: string | null;
  updated_at: number;
}

declare module '../db/schema.js' {
  interface Database {
    firewall: FirewallTable;
  }
}

export type FirewallRow = Selectable<FirewallTable>;
