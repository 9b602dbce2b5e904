import { randomUUID } from 'node:crypto';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export const signingAlg = 'RS256';

interface LoadedKey {
  kid: string;
  status: number;
  createdAt: number;
  publicJwk: JWK;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/**
 * The keys that sign access tokens, kept in the system database so every node signs and verifies
 * with the same set. The newest active key signs; every stored key still verifies (rotation).
 */
export class KeyStore {
  private constructor(private keys: LoadedKey[]) {}

  static async load(db: Kysely<Database>): Promise<KeyStore> {
    let rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
    if (rows.length === 0) {
      await KeyStore.createKey(db);
      rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
    }
    const keys = await Promise.all(
      rows.map(async (row) => {
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
      }),
    );
    return new KeyStore(keys);
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
        status: 1,
        created_at: Date.now(),
      })
      .execute();
    return kid;
  }

  signingKey(): { kid: string; key: CryptoKey } {
    const active = this.keys.find((k) => k.status === 1) ?? this.keys[0];
    if (!active) throw new Error('No signing key available');
    return { kid: active.kid, key: active.privateKey };
  }

  verificationKey(kid: string | undefined): CryptoKey | undefined {
    if (!kid) return undefined;
    return this.keys.find((k) => k.kid === kid)?.publicKey;
  }

  /** The public keys as a JSON Web Key Set. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }
}
