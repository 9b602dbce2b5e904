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
}

export interface ConnectionEnv {
  readonly logger: ActionLogger;
}

export function defineConnectionType<C, Client>(type: ConnectionType<C, Client>): ConnectionType<C, Client> {
  return type;
}
