import type { ActionLogger, JsonSchema } from './action.js';

/**
 * A connection type: how Portico reaches one kind of outside system (a SQL database, an HTTP upstream,
 * a broker). The platform keeps one live client per configured connection, builds it on first use,
 * and closes and rebuilds it when its config changes.
 */
export interface ConnectionType<C = Record<string, unknown>, Client = unknown> {
  /** stable identifier stored with each connection, e.g. `Fusio.Adapter.Sql.Connection.Sql` */
  readonly class: string;
  /** display name, e.g. `SQL` */
  readonly name: string;
  readonly description?: string;
  /**
   * JSON Schema of the config. Properties marked `"x-secret": true` are encrypted at rest and never
   * returned by the API in clear.
   */
  readonly config: JsonSchema;
  /** builds the live (pooled) client */
  connect(config: C, env: ConnectionEnv): Promise<Client>;
  /** proves the client can reach its system; throws with a clear message when it cannot */
  ping?(client: Client): Promise<void>;
  /**
   * False once the client has lost its link for good (socket closed, broker went away); the platform
   * then closes it and builds a new one for the request that asked. Without it a client lives until
   * its config changes.
   */
  isAlive?(client: Client): boolean;
  close?(client: Client): Promise<void>;
  /**
   * For a config that authorizes through an OAuth2 authorization code (an admin consents once at the
   * provider): the provider's endpoints and the client's credentials. Undefined when the config does not.
   */
  authorizationCode?(config: C): AuthorizationCodeSettings | undefined;
  /**
   * The client the connection is, as a TypeAPI specification (https://typeapi.org): what
   * `GET /backend/connection/{id}/sdk` answers. Types without one are no SDK client.
   */
  sdkSpecification?(config: C): Record<string, unknown>;
}

/** An OAuth2 authorization-code client (RFC 6749 section 4.1) a connection authorizes itself with. */
export interface AuthorizationCodeSettings {
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope?: string | undefined;
  /** RFC 6749 2.3.1: HTTP Basic (recommended) or client_id/client_secret in the form body */
  readonly clientAuth: 'basic' | 'body';
}

/** The tokens an authorization gave a connection, kept in its (encrypted) config. */
export interface ConnectionTokenSet {
  readonly accessToken: string;
  readonly refreshToken?: string | undefined;
  /** epoch milliseconds; absent when the provider did not say */
  readonly expiresAt?: number | undefined;
}

export interface ConnectionEnv {
  readonly logger: ActionLogger;
  /**
   * Gets the connection a fresh access token with its refresh token and stores it (connections that
   * authorize with an authorization code). `stale` is the token that expired or was refused.
   */
  readonly renewToken?: (stale: string) => Promise<ConnectionTokenSet>;
}

export function defineConnectionType<C, Client>(type: ConnectionType<C, Client>): ConnectionType<C, Client> {
  return type;
}
