import { randomUUID } from 'node:crypto';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { TokenStatus } from '../db/schema.js';
import './schema.js';

export const signingAlg = 'RS256';

/** signing_keys.status: the newest active key signs; retired keys only verify. */
export const KeyStatus = { active: 1, retired: 2 } as const;

/** How long an id_token lives; a retired key stays published at least this long. */
export const idTokenLifetimeSeconds = 3600;

/** Unknown kids trigger at most one reload of the key store per interval. */
const reloadIntervalMs = 1000;

interface LoadedKey {
  kid: string;
  status: number;
  createdAt: number;
  publicJwk: JWK;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

interface KeyRow {
  kid: string;
  alg: string;
  status: number;
  created_at: number;
  private_jwk: string;
  public_jwk: string;
}

async function importRow(row: KeyRow): Promise<LoadedKey> {
  const privateJwk = JSON.parse(row.private_jwk) as JWK;
  const publicJwk = JSON.parse(row.public_jwk) as JWK;
  return {
    kid: row.kid,
    status: row.status,
    createdAt: row.created_at,
    publicJwk,
    privateKey: (await importJWK(privateJwk, row.alg)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, row.alg)) as CryptoKey,
  };
}

/**
 * The keys that sign access tokens, kept in the system database so every node signs and verifies
 * with the same set. The newest active key signs; every stored key still verifies (rotation).
 * A node reloads the set when it meets an unknown kid (another node rotated) and when `refresh`
 * notices the table changed.
 */
export class KeyStore {
  private reloading: Promise<void> | null = null;
  private lastReload = Date.now();

  private constructor(
    private readonly db: Kysely<Database>,
    private keys: LoadedKey[],
  ) {}

  static async load(db: Kysely<Database>): Promise<KeyStore> {
    let rows = await KeyStore.rows(db);
    if (rows.length === 0) {
      await KeyStore.createKey(db);
      rows = await KeyStore.rows(db);
    }
    return new KeyStore(db, await Promise.all(rows.map(importRow)));
  }

  private static rows(db: Kysely<Database>): Promise<KeyRow[]> {
    return db
      .selectFrom('signing_keys')
      .select(['kid', 'alg', 'status', 'created_at', 'private_jwk', 'public_jwk'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  /** Adds a new signing key; nodes pick it up when they reload their key store. */
  static async createKey(db: Kysely<Database>): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(signingAlg, { extractable: true, modulusLength: 2048 });
    const kid = randomUUID();
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: signingAlg, use: 'sig' };
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: signingAlg, use: 'sig' };
    await db
      .insertInto('signing_keys')
      .values({
        kid,
        alg: signingAlg,
        private_jwk: JSON.stringify(privateJwk),
        public_jwk: JSON.stringify(publicJwk),
        status: KeyStatus.active,
        created_at: Date.now(),
      })
      .execute();
    return kid;
  }

  /** Re-reads the table; keys already imported are kept as they are. */
  async reload(): Promise<void> {
    this.lastReload = Date.now();
    const rows = await KeyStore.rows(this.db);
    const known = new Map(this.keys.map((k) => [k.kid, k]));
    this.keys = await Promise.all(
      rows.map(async (row) => {
        const existing = known.get(row.kid);
        return existing ? { ...existing, status: row.status } : importRow(row);
      }),
    );
  }

  /** Reloads when the table differs from what this node holds (cheap: kids and statuses only). */
  async refresh(): Promise<boolean> {
    const rows = await this.db.selectFrom('signing_keys').select(['kid', 'status']).execute();
    const held = new Map(this.keys.map((k) => [k.kid, k.status]));
    const same = rows.length === held.size && rows.every((r) => held.get(r.kid) === r.status);
    if (same) return false;
    await this.reload();
    return true;
  }

  /**
   * The verification key for a kid this node has not seen: another node may have rotated. Reloads at
   * most once per interval (callers in between wait for that reload), so made-up kids cannot flood
   * the database.
   */
  async resolveUnknown(kid: string | undefined): Promise<CryptoKey | undefined> {
    if (!kid || kid.length > 64) return undefined;
    const known = this.verificationKey(kid);
    if (known) return known;
    if (!this.reloading) {
      const wait = Math.max(0, this.lastReload + reloadIntervalMs - Date.now());
      this.reloading = (async () => {
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await this.reload();
      })().finally(() => {
        this.reloading = null;
      });
    }
    await this.reloading;
    return this.verificationKey(kid);
  }

  signingKey(): { kid: string; key: CryptoKey } {
    const active = this.keys.find((k) => k.status === KeyStatus.active) ?? this.keys[0];
    if (!active) throw new Error('No signing key available');
    return { kid: active.kid, key: active.privateKey };
  }

  verificationKey(kid: string | undefined): CryptoKey | undefined {
    if (!kid) return undefined;
    return this.keys.find((k) => k.kid === kid)?.publicKey;
  }

  /** The public keys as a JSON Web Key Set: the signing key first, then retired keys still in use. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  kids(): string[] {
    return this.keys.map((k) => k.kid);
  }
}

export interface RotationResult {
  /** the new signing key */
  kid: string;
  /** keys that stopped signing now; they keep verifying */
  retired: string[];
  /** retired keys deleted because no unexpired token needs them any more */
  deleted: string[];
}

/**
 * Rotates the signing key: a new key signs from now on, the previous ones are retired (they keep
 * verifying the tokens they signed) and retired keys no live token needs any more are deleted.
 * Nodes pick the new key up within their key refresh interval, or at once when they meet its kid.
 */
export async function rotateSigningKeys(db: Kysely<Database>): Promise<RotationResult> {
  const now = Date.now();
  const previous = await db.selectFrom('signing_keys').select('kid').where('status', '=', KeyStatus.active).execute();
  const kid = await KeyStore.createKey(db);
  const retired = previous.map((r) => r.kid);
  if (retired.length > 0) {
    await db
      .updateTable('signing_keys')
      .set({ status: KeyStatus.retired, retired_at: now })
      .where('kid', 'in', retired)
      .execute();
  }
  const deleted = await deleteUnusedRetiredKeys(db, now);
  return { kid, retired, deleted };
}

/**
 * Deletes retired keys that verify nothing any more: retired longer than an id_token lives and no
 * active, unexpired access token was signed with them (tokens from before key tracking keep every key).
 */
export async function deleteUnusedRetiredKeys(db: Kysely<Database>, now = Date.now()): Promise<string[]> {
  const candidates = await db
    .selectFrom('signing_keys')
    .select(['kid'])
    .where('status', '=', KeyStatus.retired)
    .where('retired_at', '<', now - idTokenLifetimeSeconds * 1000)
    .execute();
  if (candidates.length === 0) return [];
  const live = await db
    .selectFrom('tokens')
    .select('kid')
    .distinct()
    .where('status', '=', TokenStatus.active)
    .where('expire', '>', now)
    .where((eb) =>
      eb.or([
        eb(
          'kid',
          'in',
          candidates.map((c) => c.kid),
        ),
        eb('kid', 'is', null),
      ]),
    )
    .execute();
  if (live.some((r) => r.kid === null)) return [];
  const needed = new Set(live.map((r) => r.kid));
  const unused = candidates.map((c) => c.kid).filter((k) => !needed.has(k));
  if (unused.length > 0) await db.deleteFrom('signing_keys').where('kid', 'in', unused).execute();
  return unused;
}
