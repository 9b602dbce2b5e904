import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Encryption } from '../auth/encryption.js';
import type { Unit } from '../changes/unit.js';
import type { EntityRef } from '../db/listing.js';
import type { ConnectionRow, Database } from '../db/schema.js';
import { badRequest } from '../errors.js';
import type { AuthorizationCodeSettings, ConnectionTokenSet } from '../plugins/connection.js';
import { authorizationRedirect, requestTokens } from './oauth2-code.js';
import type { ConnectionRegistry } from './registry.js';
import type { ConnectionRepository } from './repository.js';
import type { ConfigBox } from './secrets.js';

/** How long an administrator has between starting an authorization and the provider's callback. */
export const stateLifetimeMs = 10 * 60_000;

export interface ConnectionTokenDeps {
  readonly db: Kysely<Database>;
  readonly registry: ConnectionRegistry;
  readonly box: ConfigBox;
  readonly encryption: Encryption;
  readonly repository: ConnectionRepository;
  /** opens a unit with no caller (the provider's callback, a renewal on the request path) */
  readonly write: <T>(work: (unit: Unit) => Promise<T>) => Promise<T>;
  readonly publicUrl: string;
}

/**
 * The OAuth2 authorization code flow of connections (Fusio's Connection\Token): the provider URL with a
 * signed, short-lived state bound to the connection; the callback that trades the code for tokens and
 * keeps them encrypted in the connection's config; the renewal with the refresh token.
 */
export class ConnectionTokens {
  private readonly renewing = new Map<number, Promise<ConnectionTokenSet>>();

  constructor(private readonly deps: ConnectionTokenDeps) {}

  /** Where an administrator's browser goes to consent (fusio-sdk BackendConnectionTag.getRedirect). */
  async redirect(ref: EntityRef): Promise<string> {
    const row = await this.deps.repository.find(this.deps.db, ref);
    const settings = this.settingsOf(row);
    return authorizationRedirect(settings, this.redirectUri(row.name), this.newState(row.id));
  }

  /** The provider sent the administrator back: the code becomes tokens, stored with the connection. */
  async callback(name: string, code: string | undefined, state: string | undefined): Promise<void> {
    if (!state) throw badRequest('The provided state is not valid');
    const row = await this.deps.repository.find(this.deps.db, { name });
    if (!this.validState(state, row.id)) throw badRequest('The provided state is not valid');
    if (!code) throw badRequest('Provided no code');
    const settings = this.settingsOf(row);
    const tokens = await requestTokens(settings, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.redirectUri(row.name),
    });
    await this.store(row.id, tokens, true);
  }

  /**
   * A fresh access token for a connection whose token expired or was refused. One renewal at a time per
   * connection on this node; a token another node stored meanwhile is taken as it is.
   */
  renew(connectionId: number, stale: string): Promise<ConnectionTokenSet> {
    let pending = this.renewing.get(connectionId);
    if (!pending) {
      pending = this.renewNow(connectionId, stale).finally(() => this.renewing.delete(connectionId));
      this.renewing.set(connectionId, pending);
    }
    return pending;
  }

  private async renewNow(connectionId: number, stale: string): Promise<ConnectionTokenSet> {
    const row = await this.deps.repository.find(this.deps.db, { id: connectionId });
    const config = this.deps.box.open(row.config);
    const stored = tokensOf(config);
    if (stored && stored.accessToken !== stale && (!stored.expiresAt || stored.expiresAt > Date.now() + 30_000)) {
      return stored;
    }
    const refreshToken = typeof config.refreshToken === 'string' ? config.refreshToken : '';
    if (!refreshToken) throw badRequest('The connection has no refresh token: authorize it again');
    const tokens = await requestTokens(
      this.settingsOf(row),
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      refreshToken,
    );
    // other nodes keep their clients: their next renewal finds this token stored and takes it
    await this.store(row.id, tokens, false);
    return tokens;
  }

  private async store(connectionId: number, tokens: ConnectionTokenSet, rebuild: boolean): Promise<void> {
    await this.deps.write(async (unit) => {
      const row = await this.deps.repository.find(unit.db, { id: connectionId });
      const config = { ...this.deps.box.open(row.config) };
      config.accessToken = tokens.accessToken;
      if (tokens.refreshToken) config.refreshToken = tokens.refreshToken;
      else delete config.refreshToken;
      if (tokens.expiresAt) config.tokenExpiresAt = String(tokens.expiresAt);
      else delete config.tokenExpiresAt;
      await this.deps.repository.storeConfig(unit, row, this.deps.box.seal(config), rebuild);
    });
  }

  private settingsOf(row: ConnectionRow): AuthorizationCodeSettings {
    const type = this.deps.registry.get(row.class);
    let settings: AuthorizationCodeSettings | undefined;
    try {
      settings = type?.authorizationCode?.(this.deps.box.open(row.config));
    } catch (error) {
      throw badRequest(`The connection's OAuth2 settings are incomplete: ${(error as Error).message}`);
    }
    if (!settings) throw badRequest('Provided connection does not support OAuth2');
    return settings;
  }

  private redirectUri(name: string): string {
    return `${this.deps.publicUrl}/system/connection/${encodeURIComponent(name)}/callback`;
  }

  /** `<connection id>.<expiry>.<nonce>.<signature>`: only this installation makes one, for one connection. */
  private newState(connectionId: number): string {
    const body = `${connectionId}.${Date.now() + stateLifetimeMs}.${randomBytes(12).toString('base64url')}`;
    return `${body}.${this.deps.encryption.sign(`connection-state:${body}`)}`;
  }

  private validState(state: string, connectionId: number): boolean {
    const parts = state.split('.');
    if (parts.length !== 4) return false;
    const [id, expiry, nonce, signature] = parts as [string, string, string, string];
    const body = `${id}.${expiry}.${nonce}`;
    if (!this.deps.encryption.verify(`connection-state:${body}`, signature)) return false;
    return Number(id) === connectionId && Number(expiry) > Date.now();
  }
}

function tokensOf(config: Record<string, unknown>): ConnectionTokenSet | undefined {
  if (typeof config.accessToken !== 'string' || config.accessToken === '') return undefined;
  const expiresAt = Number(config.tokenExpiresAt);
  return {
    accessToken: config.accessToken,
    refreshToken: typeof config.refreshToken === 'string' ? config.refreshToken : undefined,
    expiresAt: Number.isFinite(expiresAt) && expiresAt > 0 ? expiresAt : undefined,
  };
}
