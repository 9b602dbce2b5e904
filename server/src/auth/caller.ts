import type { VerifiedToken } from './tokens.js';

/** Who is calling, once the bearer token (if any) has been checked. */
export interface Caller {
  readonly user: { readonly id: number; readonly name: string; readonly email: string | undefined } | null;
  readonly app: { readonly id: number; readonly key: string } | null;
  readonly token: VerifiedToken | null;
  readonly scopes: readonly string[];
}

export const anonymousCaller: Caller = Object.freeze({ user: null, app: null, token: null, scopes: [] });
