import type { Generated, Selectable } from 'kysely';

/**
 * The tables the OAuth2 migration (2026-11-28c-oauth) adds (its token columns: auth/schema.ts), merged into the core schema's
 * types here, beside the code that uses them.
 */
declare module '../db/schema.js' {
  interface Database {
    app_codes: AppCodeTable;
    user_grants: UserGrantTable;
  }
}

export interface AppCodeTable {
  id: Generated<number>;
  app_id: number;
  user_id: number;
  /** SHA-256 of the code */
  code: string;
  /** the family of the tokens issued for this code (revoked when the code is replayed) */
  family: string;
  redirect_uri: string;
  /** 1 when the authorization request named the redirect URI, so the token request must repeat it */
  redirect_uri_given: number;
  scope: string;
  /** S256 challenge; the only method accepted */
  code_challenge: string | null;
  nonce: string | null;
  /** when the user authenticated (epoch ms), for the id_token's auth_time */
  auth_time: number | null;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

export interface UserGrantTable {
  id: Generated<number>;
  user_id: number;
  app_id: number;
  /** 1 allowed, 0 denied (Fusio's fusio_user_grant.allow) */
  allow: number;
  scope: string;
  created_at: number;
  updated_at: number;
}

export type AppCodeRow = Selectable<AppCodeTable>;
export type UserGrantRow = Selectable<UserGrantTable>;
