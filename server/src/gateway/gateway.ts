import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { loadSnapshot, type OperationCompiler } from './compile.js';
import { RoutingTable } from './routing-table.js';

/**
 * Holds the live routing table and rebuilds it from the system database when the configuration
 * changes. Rebuilds are serialized; a reload requested during a rebuild gets one more rebuild, so the
 * caller's change is always in the table its promise resolves to.
 */
export class Gateway {
  private current: RoutingTable = new RoutingTable(0, []);
  private running: Promise<void> | null = null;
  private requested = false;
  private generation = 0;
  private readonly listeners = new Set<(table: RoutingTable) => void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly compiler: OperationCompiler,
    private readonly logger: Logger,
  ) {}

  get table(): RoutingTable {
    return this.current;
  }

  /** Called after each rebuild with the new table (MCP sessions are told their tool list changed); returns the unsubscribe. */
  onRebuilt(listener: (table: RoutingTable) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  reload(): Promise<void> {
    if (this.running) {
      this.requested = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.requested = false;
      await this.rebuild();
    } while (this.requested);
  }

  private async rebuild(): Promise<void> {
    const started = performance.now();
    const snapshot = await loadSnapshot(this.db);
    const operations = await this.compiler.compile(snapshot);
    const table = new RoutingTable(
      ++this.generation,
      operations,
      (operation, error) => {
        this.logger.error({ operation: operation.name, err: error.message }, 'operation left out of the routing table');
      },
      this.current,
    );
    this.current = table;
    for (const listener of this.listeners) {
      try {
        listener(table);
      } catch (error) {
        this.logger.warn({ err: error }, 'a routing table listener failed');
      }
    }
    this.logger.debug(
      { generation: table.generation, operations: operations.length, ms: Math.round(performance.now() - started) },
      'routing table rebuilt',
    );
  }
}
