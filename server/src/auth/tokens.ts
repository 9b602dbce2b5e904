import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import type { DialectName } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import type { Database } from '../db/schema.js';
import { TokenStatus } from '../db/schema.js';
import { PorticoError } from '../errors.js';
import { type KeyStore, signingAlg } from './keys.js';
import { digest, newOpaqueToken } from './secrets.js';

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
}

export interface IssuedToken {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  scopes: string[];
  tokenRowId: number;
  tokenId: string;
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
 * Issues and verifies access tokens: JWTs signed with the key store's key, each with a row in the
 * tokens table (so they can be listed and revoked). Verification never touches the database: the
 * signature, expiry and the in-memory revocation list decide, and verified tokens are cached.
 */
export class TokenService {
  private readonly cache = new Map<string, VerifiedToken>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly keys: KeyStore,
    private readonly issuer: string,
    private readonly lifetimes: TokenLifetimes,
    readonly revocations: RevocationList,
  ) {}

  async issue(request: IssueRequest): Promise<IssuedToken> {
    const now = Date.now();
    const ttl = request.ttl ?? this.lifetimes.access();
    const tokenId = randomUUID();
    const refreshToken = newOpaqueToken(32);
    const expire = now + ttl * 1000;
    const rowId = await insertWithId(
      this.db.insertInto('tokens').values({
        category_id: request.categoryId,
        app_id: request.app?.id ?? null,
        user_id: request.user.id,
        status: TokenStatus.active,
        name: request.name.slice(0, 255),
        token_id: tokenId,
        refresh: digest(refreshToken),
        scope: request.scopes.join(','),
        ip: request.ip.slice(0, 45),
        expire,
        created_at: now,
      }),
      this.dialect,
    );
    const { kid, key } = this.keys.signingKey();
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
      .setProtectedHeader({ alg: signingAlg, kid, typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setSubject(String(request.user.id))
      .setAudience(request.app?.key ?? this.issuer)
      .setJti(tokenId)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(expire / 1000))
      .sign(key);
    return { accessToken, refreshToken, expiresIn: ttl, scopes: request.scopes, tokenRowId: rowId, tokenId };
  }

  /** Checks a bearer token; throws a 401 PorticoError when it is not acceptable. */
  async verify(token: string): Promise<VerifiedToken> {
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.expiresAt > Date.now() && !this.revocations.has(cached.tokenId)) return cached;
      this.cache.delete(token);
      throw invalidToken(cached.expiresAt <= Date.now() ? 'Access token has expired' : 'Access token was revoked');
    }
    let payload: AccessClaims;
    try {
      const result = await jwtVerify(
        token,
        (header) => {
          const key = this.keys.verificationKey(header.kid);
          if (!key) throw new joseErrors.JWKSNoMatchingKey();
          return key;
        },
        { issuer: this.issuer, algorithms: [signingAlg], requiredClaims: ['jti', 'sub', 'exp'] },
      );
      payload = result.payload as unknown as AccessClaims;
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
    };
    if (this.cache.size >= cacheLimit) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(token, verified);
    return verified;
  }

  /** Marks tokens revoked in the database and in this node's revocation list. */
  async revokeWhere(filter: { tokenId?: string; userId?: number; appId?: number }): Promise<number> {
    let query = this.db
      .selectFrom('tokens')
      .select(['id', 'token_id', 'expire'])
      .where('status', '=', TokenStatus.active);
    if (filter.tokenId !== undefined) query = query.where('token_id', '=', filter.tokenId);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    if (filter.appId !== undefined) query = query.where('app_id', '=', filter.appId);
    const rows = await query.execute();
    if (rows.length === 0) return 0;
    await this.db
      .updateTable('tokens')
      .set({ status: TokenStatus.deleted })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    for (const row of rows) this.revocations.add(row.token_id, row.expire);
    return rows.length;
  }

  /** Finds the still-usable token row for a refresh token, or undefined. */
  async findByRefreshToken(refreshToken: string) {
    return this.db.selectFrom('tokens').selectAll().where('refresh', '=', digest(refreshToken)).executeTakeFirst();
  }

  refreshLifetime(): number {
    return this.lifetimes.refresh();
  }
}
