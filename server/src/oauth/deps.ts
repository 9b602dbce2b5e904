import type { Kysely } from 'kysely';
import type { KeyStore } from '../auth/keys.js';
import type { TokenService } from '../auth/tokens.js';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';

/** What the OAuth2/OpenID Connect server works with: the system database, tokens, keys, its own URL. */
export interface OAuthDeps {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly tokens: TokenService;
  readonly keys: KeyStore;
  readonly config: { readonly publicUrl: string };
}
