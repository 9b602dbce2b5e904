/**
 * The token and signing-key columns the OAuth2 migration (2026-11-28c-oauth) adds, merged into the core
 * schema's types here, beside the code that uses them.
 */
declare module '../db/schema.js' {
  interface TokenTable {
    /** when the token was revoked (or rotated away); every node polls for new values */
    revoked_at: number | null;
    /** refresh-token family: the tokens of one login or code share it, so a replay revokes them all */
    family: string | null;
    /** the signing key's kid, so a retired key is deleted only once no live token needs it */
    kid: string | null;
  }

  interface SigningKeyTable {
    retired_at: number | null;
  }
}

export {};
