import { randomUUID } from 'node:crypto';
import { type JWTVerifyGetKey, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DialectName } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import type { Database } from '../db/schema.js';
import { TokenStatus } from '../db/schema.js';
import { PorticoError } from '../errors.js';
import { type KeyStore, signingAlg } from './keys.js';
import type { RevocationFeed, RevokedToken } from './revocation-feed.js';
import './schema.js';
import { listedScopes } from './scopes.js';
import { digest, newOpaqueToken } from './secrets.js';

/** The JWT `typ` of access tokens (RFC 9068); id_tokens carry `JWT`, so one cannot pass for the other. */
export const accessTokenType = 'at+jwt';

export interface AccessClaims {
  jti: string;
  /** user id */
  sub: string;
  scope: string;
  exp: number;
  iat: number;
  name?: string;
  email?: string;
  /** the app's key, when the token was issued to an app */
  client_id?: string;
  app_id?: number;
  aud?: string | string[];
  iss?: string;
  preferred_username?: string;
}

/** What the gateway knows about a caller once its token checks out. */
export interface VerifiedToken {
  tokenId: string;
  userId: number;
  userName: string;
  email: string | undefined;
  appId: number | null;
  appKey: string | null;
  scopes: readonly string[];
  expiresAt: number;
  /** epoch ms the token was issued (when its user logged in, for first-party tokens) */
  issuedAt?: number;
}

export interface IssueRequest {
  user: { id: number; name: string; email: string | null };
  app: { id: number; key: string } | null;
  scopes: string[];
  categoryId: number;
  name: string;
  ip: string;
  /** seconds; defaults to the configured access-token lifetime */
  ttl?: number;
  /** refresh-token family to continue (rotation, authorization codes); a new one by default */
  family?: string;
}

export interface IssuedToken {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  /** what the token carries (in its JWT and its row): the granted scopes, parents not expanded */
  scopes: string[];
  /** what a token response names (Fusio): `scopes` with the sub-scopes each parent covers (`listScopes`) */
  listedScopes: string[];
  tokenRowId: number;
  tokenId: string;
  family: string;
  /** epoch ms */
  issuedAt: number;
}

export interface TokenLifetimes {
  /** seconds an access token lives */
  access(): number;
  /** seconds after issue a refresh token may be used */
  refresh(): number;
}

const bearerChallenge = 'Bearer realm="Portico"';

export function invalidToken(message = 'Invalid access token'): PorticoError {
  return new PorticoError('UNAUTHORIZED', message, {
    'WWW-Authenticate': `${bearerChallenge}, error="invalid_token"`,
  });
}

/** Revoked token ids, held in memory until the token would have expired anyway. */
export class RevocationList {
  private readonly revoked = new Map<string, number>();

  add(tokenId: string, expiresAt: number): void {
    if (expiresAt > Date.now()) this.revoked.set(tokenId, expiresAt);
  }

  has(tokenId: string): boolean {
    return this.revoked.has(tokenId);
  }

  get size(): number {
    return this.revoked.size;
  }

  prune(now = Date.now()): void {
    for (const [id, exp] of this.revoked) if (exp <= now) this.revoked.delete(id);
  }

  async load(db: Kysely<Database>): Promise<void> {
    const rows = await db
      .selectFrom('tokens')
      .select(['token_id', 'expire'])
      .where('status', '=', TokenStatus.deleted)
      .where('expire', '>', Date.now())
      .execute();
    for (const row of rows) this.add(row.token_id, row.expire);
  }
}

const cacheLimit = 20_000;

/**
 * Verified tokens are found by the end of their signature: hashing a whole JWT (hundreds of characters,
 * a fresh string on every request) cost more than the rest of the lookup. The entry holds the whole token
 * and only an identical one is answered from it, so a forged token sharing the tail is a miss (and fails
 * its signature check).
 */
const cacheKeyLength = 40;
const cacheKey = (token: string) => (token.length > cacheKeyLength ? token.slice(-cacheKeyLength) : token);

interface CachedToken {
  readonly token: string;
  readonly verified: VerifiedToken;
}

/** How often a node checks the signing_keys table for rotations made elsewhere (CLI, other nodes). */
const keyRefreshIntervalMs = 30_000;

export interface RevokeFilter {
  tokenId?: string;
  /** these tokens (by jti) */
  tokenIds?: readonly string[];
  userId?: number;
  appId?: number;
  /** every token of one refresh-token family */
  family?: string;
}

/**
 * Issues and verifies access tokens: JWTs signed with the key store's key, each with a row in the
 * tokens table (so they can be listed and revoked). Verification never touches the database: the
 * signature, expiry and the in-memory revocation list decide, and verified tokens are cached.
 * Revocations reach the other nodes through the revocation feed (by default: each node polls).
 */
export class TokenService {
  private readonly cache = new Map<string, CachedToken>();
  private keyTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly keys: KeyStore,
    private readonly issuer: string,
    private readonly lifetimes: TokenLifetimes,
    readonly revocations: RevocationList,
    private readonly feed: RevocationFeed | null = null,
  ) {}

  /** Starts following revocations and key rotations made by other nodes. */
  start(logger: Logger): void {
    this.feed?.subscribe((revoked) => {
      for (const r of revoked) this.revocations.add(r.tokenId, r.expiresAt);
    });
    if (this.keyTimer) return;
    const refreshKeys = () => {
      this.keys
        .refresh()
        .catch((error) => logger.warn({ err: error }, 'reloading signing keys failed; retrying'))
        .finally(() => {
          if (this.keyTimer) this.keyTimer = setTimeout(refreshKeys, keyRefreshIntervalMs).unref();
        });
    };
    this.keyTimer = setTimeout(refreshKeys, keyRefreshIntervalMs).unref();
  }

  async close(): Promise<void> {
    if (this.keyTimer) clearTimeout(this.keyTimer);
    this.keyTimer = null;
    await this.feed?.close();
  }

  async issue(request: IssueRequest): Promise<IssuedToken> {
    const fresh = this.fresh(request);
    const rowId = await insertWithId(
      this.db.insertInto('tokens').values({
        category_id: request.categoryId,
        app_id: request.app?.id ?? null,
        user_id: request.user.id,
        status: TokenStatus.active,
        ...fresh.row,
        family: request.family ?? fresh.tokenId,
      }),
      this.dialect,
    );
    return this.signed(request, fresh, rowId, request.family ?? fresh.tokenId);
  }

  /**
   * A new access token under an existing active token row, which keeps its id (Fusio's token update):
   * new jti, refresh token, expiry, name and scopes. The old JWT is revoked on every node: a deleted row
   * keeps its jti (and refresh digest, so a replay of the old refresh token ends the family) for the
   * revocation feed. Undefined when the row is no longer active.
   */
  async reissue(rowId: number, request: IssueRequest): Promise<IssuedToken | undefined> {
    const existing = await this.db
      .selectFrom('tokens')
      .selectAll()
      .where('id', '=', rowId)
      .where('status', '=', TokenStatus.active)
      .executeTakeFirst();
    if (!existing) return undefined;
    const fresh = this.fresh(request);
    const replaced = await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('tokens')
        .set(fresh.row)
        .where('id', '=', existing.id)
        .where('token_id', '=', existing.token_id)
        .where('status', '=', TokenStatus.active)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      const { id: _id, ...old } = existing;
      await trx
        .insertInto('tokens')
        .values({ ...old, status: TokenStatus.deleted, revoked_at: fresh.row.created_at })
        .execute();
      return true;
    });
    if (!replaced) return undefined;
    this.revocations.add(existing.token_id, existing.expire);
    await this.feed?.announce([{ tokenId: existing.token_id, expiresAt: existing.expire }]);
    return this.signed(request, fresh, existing.id, existing.family ?? fresh.tokenId);
  }

  /** The new secrets and row values of a token about to be issued. */
  private fresh(request: IssueRequest) {
    const now = Date.now();
    const ttl = request.ttl ?? this.lifetimes.access();
    const tokenId = randomUUID();
    const refreshToken = newOpaqueToken(32);
    const signing = this.keys.signingKey();
    return {
      tokenId,
      refreshToken,
      ttl,
      signing,
      row: {
        name: request.name.slice(0, 255),
        token_id: tokenId,
        refresh: digest(refreshToken),
        scope: request.scopes.join(','),
        ip: request.ip.slice(0, 45),
        expire: now + ttl * 1000,
        created_at: now,
        kid: signing.kid,
      },
    };
  }

  private async signed(
    request: IssueRequest,
    fresh: ReturnType<TokenService['fresh']>,
    rowId: number,
    family: string,
  ): Promise<IssuedToken> {
    const { row, signing } = fresh;
    const claims: Record<string, unknown> = {
      scope: request.scopes.join(' '),
      name: request.user.name,
      preferred_username: request.user.name,
    };
    if (request.user.email) claims.email = request.user.email;
    if (request.app) {
      claims.client_id = request.app.key;
      claims.app_id = request.app.id;
    }
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: signingAlg, kid: signing.kid, typ: accessTokenType })
      .setIssuer(this.issuer)
      .setSubject(String(request.user.id))
      .setAudience(request.app?.key ?? this.issuer)
      .setJti(fresh.tokenId)
      .setIssuedAt(Math.floor(row.created_at / 1000))
      .setExpirationTime(Math.floor(row.expire / 1000))
      .sign(signing.key);
    return {
      accessToken,
      refreshToken: fresh.refreshToken,
      expiresIn: fresh.ttl,
      scopes: request.scopes,
      listedScopes: await listedScopes(this.db, request.scopes),
      tokenRowId: rowId,
      tokenId: fresh.tokenId,
      family,
      issuedAt: row.created_at,
    };
  }

  /** The key for a token header: a kid this node does not know makes it reload its keys (once). */
  private readonly keyFor: JWTVerifyGetKey = async (header) => {
    const key = this.keys.verificationKey(header.kid) ?? (await this.keys.resolveUnknown(header.kid));
    if (!key) throw new joseErrors.JWKSNoMatchingKey();
    return key;
  };

  /** Checks signature, issuer, type and expiry; the revocation list is not consulted. */
  private async verifySignature(token: string): Promise<AccessClaims> {
    const result = await jwtVerify(token, this.keyFor, {
      issuer: this.issuer,
      algorithms: [signingAlg],
      typ: accessTokenType,
      requiredClaims: ['jti', 'sub', 'exp'],
    });
    return result.payload as unknown as AccessClaims;
  }

  /**
   * A token verified before, checked again for expiry and revocation without waiting: undefined when it
   * has not been seen yet (then `verify` it), a 401 PorticoError when it is no longer acceptable.
   */
  verifiedBefore(token: string): VerifiedToken | undefined {
    const key = cacheKey(token);
    const entry = this.cache.get(key);
    if (entry === undefined || entry.token !== token) return undefined;
    const cached = entry.verified;
    if (cached.expiresAt > Date.now() && !this.revocations.has(cached.tokenId)) return cached;
    this.cache.delete(key);
    throw invalidToken(cached.expiresAt <= Date.now() ? 'Access token has expired' : 'Access token was revoked');
  }

  /** Checks a bearer token; throws a 401 PorticoError when it is not acceptable. */
  async verify(token: string): Promise<VerifiedToken> {
    const cached = this.verifiedBefore(token);
    if (cached) return cached;
    let payload: AccessClaims;
    try {
      payload = await this.verifySignature(token);
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw invalidToken('Access token has expired');
      throw invalidToken();
    }
    if (this.revocations.has(payload.jti)) throw invalidToken('Access token was revoked');
    const verified: VerifiedToken = {
      tokenId: payload.jti,
      userId: Number(payload.sub),
      userName: payload.name ?? '',
      email: payload.email,
      appId: payload.app_id ?? null,
      appKey: payload.client_id ?? null,
      scopes: typeof payload.scope === 'string' && payload.scope !== '' ? payload.scope.split(' ') : [],
      expiresAt: payload.exp * 1000,
      issuedAt: payload.iat * 1000,
    };
    if (this.cache.size >= cacheLimit) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(cacheKey(token), { token, verified });
    return verified;
  }

  /**
   * The claims of an access token this Portico signed and that has not expired, or null; for
   * introspection and revocation, which then ask the database whether it is still active.
   */
  async inspect(token: string): Promise<AccessClaims | null> {
    try {
      return await this.verifySignature(token);
    } catch {
      return null;
    }
  }

  /** Marks tokens revoked in the database and in this node's revocation list; other nodes follow. */
  async revokeWhere(filter: RevokeFilter): Promise<number> {
    if (Object.values(filter).every((v) => v === undefined)) return 0;
    if (filter.tokenIds !== undefined && filter.tokenIds.length > 500) {
      let revoked = 0;
      for (let i = 0; i < filter.tokenIds.length; i += 500) {
        revoked += await this.revokeWhere({ ...filter, tokenIds: filter.tokenIds.slice(i, i + 500) });
      }
      return revoked;
    }
    if (filter.tokenIds?.length === 0) return 0;
    let query = this.db
      .selectFrom('tokens')
      .select(['id', 'token_id', 'expire'])
      .where('status', '=', TokenStatus.active);
    if (filter.tokenId !== undefined) query = query.where('token_id', '=', filter.tokenId);
    if (filter.tokenIds !== undefined) query = query.where('token_id', 'in', [...filter.tokenIds]);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    if (filter.appId !== undefined) query = query.where('app_id', '=', filter.appId);
    if (filter.family !== undefined) query = query.where('family', '=', filter.family);
    const rows = await query.execute();
    if (rows.length === 0) return 0;
    const now = Date.now();
    for (let i = 0; i < rows.length; i += 500) {
      await this.db
        .updateTable('tokens')
        .set({ status: TokenStatus.deleted, revoked_at: now })
        .where(
          'id',
          'in',
          rows.slice(i, i + 500).map((r) => r.id),
        )
        .execute();
    }
    const revoked: RevokedToken[] = rows.map((r) => ({ tokenId: r.token_id, expiresAt: r.expire }));
    for (const r of revoked) this.revocations.add(r.tokenId, r.expiresAt);
    await this.feed?.announce(revoked);
    return rows.length;
  }

  /**
   * Retires one token for a refresh-token rotation. Atomic: of two requests racing with the same refresh
   * token exactly one wins; false means it was used already (reuse).
   */
  async retireForRotation(tokenRowId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('tokens')
      .select(['token_id', 'expire'])
      .where('id', '=', tokenRowId)
      .executeTakeFirst();
    if (!row) return false;
    const result = await this.db
      .updateTable('tokens')
      .set({ status: TokenStatus.deleted, revoked_at: Date.now() })
      .where('id', '=', tokenRowId)
      .where('status', '=', TokenStatus.active)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    this.revocations.add(row.token_id, row.expire);
    await this.feed?.announce([{ tokenId: row.token_id, expiresAt: row.expire }]);
    return true;
  }

  /** Finds the token row for a refresh token (in any status), or undefined. */
  async findByRefreshToken(refreshToken: string) {
    return this.db.selectFrom('tokens').selectAll().where('refresh', '=', digest(refreshToken)).executeTakeFirst();
  }

  /** The row of an access token by its jti. */
  async findByTokenId(tokenId: string) {
    return this.db.selectFrom('tokens').selectAll().where('token_id', '=', tokenId).executeTakeFirst();
  }

  refreshLifetime(): number {
    return this.lifetimes.refresh();
  }

  accessLifetime(): number {
    return this.lifetimes.access();
  }

  issuerUrl(): string {
    return this.issuer;
  }
}
