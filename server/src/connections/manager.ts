import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ConnectionRow, Database } from '../db/schema.js';
import { Status } from '../db/schema.js';
import { serviceUnavailable } from '../errors.js';
import type { ActionLogger, ConnectionAccess } from '../plugins/action.js';
import type { ConnectionTokenSet } from '../plugins/connection.js';
import type { ConnectionRegistry } from './registry.js';
import type { ConfigBox } from './secrets.js';

interface Live {
  row: ConnectionRow;
  client: Promise<unknown> | null;
  /** the client once `client` has resolved, so its health can be checked without awaiting */
  ready: { value: unknown } | null;
}

/** Proves a config reaches its system before it is stored ("test connection"). */
export interface ConnectionProbe {
  test(className: string, config: Record<string, unknown>): Promise<void>;
}

/**
 * The live clients of the configured connections: built on first use, reused by every request, closed
 * and rebuilt when a connection's config changes, closed at shutdown. A connection that cannot be
 * reached gives a 503 to the request that needed it and is tried again by the next one.
 */
export class ConnectionManager implements ConnectionAccess, ConnectionProbe {
  private byName = new Map<string, Live>();
  /** gets a connection a fresh access token with its refresh token and stores it (connections/tokens.ts) */
  tokenRenewer: ((connectionId: number, stale: string) => Promise<ConnectionTokenSet>) | null = null;
  private byId = new Map<number, Live>();

  constructor(
    private readonly db: Kysely<Database>,
    readonly registry: ConnectionRegistry,
    private readonly box: ConfigBox,
    private readonly logger: Logger,
  ) {}

  /** Re-reads the connection rows; clients whose config changed (or that were removed) are closed. */
  async refresh(): Promise<void> {
    const rows = await this.db.selectFrom('connections').selectAll().where('status', '=', Status.active).execute();
    const next = new Map<string, Live>();
    for (const row of rows) {
      const current = this.byId.get(row.id);
      if (current && current.row.updated_at === row.updated_at && current.row.name === row.name) {
        next.set(row.name, current);
      } else {
        next.set(row.name, { row, client: null, ready: null });
      }
    }
    const keep = new Set(next.values());
    for (const live of this.byId.values()) if (!keep.has(live)) this.closeLive(live);
    this.byName = next;
    this.byId = new Map([...next.values()].map((l) => [l.row.id, l]));
  }

  async get<T = unknown>(nameOrId: string | number): Promise<T> {
    const live =
      typeof nameOrId === 'number' || /^\d+$/.test(nameOrId)
        ? (this.byId.get(Number(nameOrId)) ?? this.byName.get(String(nameOrId)))
        : this.byName.get(nameOrId);
    if (!live) throw serviceUnavailable(`Connection "${nameOrId}" does not exist`);
    const type = this.registry.get(live.row.class);
    if (live.ready && type?.isAlive && !type.isAlive(live.ready.value)) {
      this.logger.warn({ connection: live.row.name }, 'connection lost, reconnecting');
      this.closeLive(live);
    }
    if (!live.client) {
      const pending = this.connect(live.row);
      live.client = pending;
      pending.then(
        (value) => {
          if (live.client === pending) live.ready = { value };
        },
        () => {
          if (live.client === pending) live.client = null;
        },
      );
    }
    try {
      return (await live.client) as T;
    } catch (error) {
      // the reason (host, port, driver message) is for the operator's log, not for API callers
      this.logger.warn({ connection: live.row.name, err: (error as Error).message }, 'connection is not available');
      throw serviceUnavailable(`Connection "${live.row.name}" is not available`, error);
    }
  }

  /** Decrypted config of a stored connection. */
  configOf(row: Pick<ConnectionRow, 'config'>): Record<string, unknown> {
    return this.box.open(row.config);
  }

  private async connect(row: ConnectionRow): Promise<unknown> {
    const type = this.registry.get(row.class);
    if (!type) throw new Error(`connection class ${row.class} is not installed`);
    const config = this.registry.validateConfig(row.class, this.configOf(row));
    const renewer = this.tokenRenewer;
    return type.connect(config, {
      logger: this.actionLogger(row.name),
      ...(renewer ? { renewToken: (stale: string) => renewer(row.id, stale) } : {}),
    });
  }

  /** Builds a client from a config, pings it and closes it again: "test connection" in the UI. */
  async test(className: string, config: Record<string, unknown>): Promise<void> {
    const type = this.registry.get(className);
    if (!type) throw new Error(`connection class ${className} is not installed`);
    const client = await type.connect(config, { logger: this.actionLogger('test') });
    try {
      await type.ping?.(client);
    } finally {
      await type.close?.(client);
    }
  }

  private closeLive(live: Live): void {
    const pending = live.client;
    live.client = null;
    live.ready = null;
    if (!pending) return;
    const type = this.registry.get(live.row.class);
    pending
      .then((client) => type?.close?.(client))
      .catch((error) => this.logger.warn({ err: error, connection: live.row.name }, 'closing connection failed'));
  }

  async closeAll(): Promise<void> {
    const all = [...this.byId.values()];
    this.byName = new Map();
    this.byId = new Map();
    await Promise.all(
      all.map(async (live) => {
        if (!live.client) return;
        const type = this.registry.get(live.row.class);
        try {
          await type?.close?.(await live.client);
        } catch {
          // a client that never connected has nothing to close
        }
      }),
    );
  }

  private actionLogger(connection: string): ActionLogger {
    const child = this.logger.child({ connection });
    return {
      debug: (msg, data) => child.debug(data ?? {}, msg),
      info: (msg, data) => child.info(data ?? {}, msg),
      warn: (msg, data) => child.warn(data ?? {}, msg),
      error: (msg, data) => child.error(data ?? {}, msg),
    };
  }
}
