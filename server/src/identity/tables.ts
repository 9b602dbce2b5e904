import type { Generated, Selectable } from 'kysely';

/** The tables migration 2026-11-28g-identity adds (Fusio's fusio_identity and fusio_identity_request). */
export interface IdentityTable {
  id: Generated<number>;
  status: number;
  /** the app whose URL host the portal's redirect_uri must be on */
  app_id: number;
  /** role of the users it creates; null: the role_default setting */
  role_id: number | null;
  name: string;
  icon: string | null;
  class: string;
  /** JSON, encrypted at rest like connection configs */
  config: string | null;
  /** 1: unknown users get an account on their first login */
  allow_create: number;
  created_at: number;
  updated_at: number;
}

/** A login in progress: created by the redirect, used up by the exchange. */
export interface IdentityRequestTable {
  id: Generated<number>;
  identity_id: number;
  /** SHA-256 of the state sent to the provider */
  state_hash: string;
  /** SHA-256 of the cookie that ties the login to the browser that started it */
  browser_hash: string;
  nonce: string;
  /** PKCE code verifier (S256) */
  code_verifier: string;
  /** where the developer portal wants the token; null: the exchange answers with JSON */
  redirect_uri: string | null;
  created_at: number;
}

/** An existing account linked to a provider's user (accounts the provider created carry users.identity_id). */
export interface IdentityLinkTable {
  id: Generated<number>;
  identity_id: number;
  user_id: number;
  remote_id: string;
  created_at: number;
}

declare module '../db/schema.js' {
  interface Database {
    identities: IdentityTable;
    identity_requests: IdentityRequestTable;
    identity_links: IdentityLinkTable;
  }
}

export type IdentityRow = Selectable<IdentityTable>;
export type IdentityRequestRow = Selectable<IdentityRequestTable>;

export const IdentityStatus = { active: 1 } as const;
