import { AsyncLocalStorage } from 'node:async_hooks';
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { PorticoError } from '../errors.js';
import { isUniqueViolation } from '../sql/errors.js';
import type { PendingAudit } from './audit.js';
import type { ConfigBus } from './bus.js';
import type { ConfigKind } from './kinds.js';

/**
 * One change to the configuration, made in one transaction: the rows, their history, the audit row and
 * the announcement of what changed commit together or not at all.
 */
export interface Unit {
  /** the transaction: every read and write of the change goes through it (never the pool beside it) */
  readonly db: Kysely<Database>;
  /** who makes the change (for version history), when a request does */
  readonly actor: { readonly userId: number | null; readonly appId: number | null } | null;
  /** what the change touched: rebuilt here and on every node once it is committed */
  touched(...kinds: ConfigKind[]): void;
  /** the id of the entity the change is about, for the audit row */
  target(id: number): void;
  /** work that must wait for the commit (revoking tokens, rebuilding caches, mails) */
  afterCommit(work: () => Promise<void>): void;
}

/** Where a change comes from: a request's caller and the audit row it owes (a SystemCall is one). */
export interface ChangeOrigin {
  readonly audit?: PendingAudit;
  readonly caller?: {
    readonly user: { readonly id: number } | null;
    readonly app: { readonly id: number } | null;
  };
}

/**
 * Opens units. Repositories take a unit as their first argument, so a handler composes several writes
 * into one change, and nothing a repository does can be forgotten: it announces its own kinds.
 */
export class ChangeWriter {
  /** the unit of a `writeAll` in progress: writes made inside it join it instead of opening their own */
  private readonly shared = new AsyncLocalStorage<Unit>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: ConfigBus,
    private readonly logger: Logger,
    private readonly dialect: DialectName = 'postgres',
  ) {}

  private transaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.dialect !== 'sqlite') return this.db.transaction().execute(work);
    // SQLite: a unit reads, then writes. A deferred transaction that tries to write after another process
    // (a worker, another node on the same file) committed gets SQLITE_BUSY at once, without waiting; one
    // that takes the write lock when it begins waits for it (busy_timeout) and then sees the latest rows.
    return this.db.connection().execute(async (connection) => {
      await sql`begin immediate`.execute(connection);
      try {
        const value = await work(connection);
        await sql`commit`.execute(connection);
        return value;
      } catch (error) {
        await sql`rollback`.execute(connection).catch(() => {});
        throw error;
      }
    });
  }

  /**
   * One change made of many writes (a deploy of a whole configuration): every `write` started inside
   * `work` joins this unit, so they all commit together or not at all, each with its own audit row.
   */
  writeAll<T>(origin: ChangeOrigin | undefined, work: (unit: Unit) => Promise<T>): Promise<T> {
    return this.write(origin, (unit) => this.shared.run(unit, () => work(unit)));
  }

  async write<T>(origin: ChangeOrigin | undefined, work: (unit: Unit) => Promise<T>): Promise<T> {
    const outer = this.shared.getStore();
    if (outer) return this.join(outer, origin, work);
    const audit = origin?.audit;
    const caller = origin?.caller;
    const kinds = new Set<ConfigKind>();
    const after: (() => Promise<void>)[] = [];
    let refId: number | null = null;
    const result = await this.transaction(async (trx) => {
      const unit: Unit = {
        db: trx,
        actor: caller ? { userId: caller.user?.id ?? null, appId: caller.app?.id ?? null } : null,
        touched: (...touched) => {
          for (const kind of touched) kinds.add(kind);
        },
        target: (id) => {
          refId = id;
        },
        afterCommit: (job) => {
          after.push(job);
        },
      };
      const value = await work(unit);
      await audit?.record(trx, refId);
      await this.bus.record(trx, [...kinds]);
      return value;
    }).catch((error: unknown) => {
      audit?.rolledBack();
      // two changes raced for one name (each checked it was free, then both wrote): the one that lost
      // hears so as a conflict, as it would have had it come a moment later, not as a server error
      if (isUniqueViolation(error)) {
        this.logger.warn({ err: error }, 'a change lost a race for a unique name');
        throw new PorticoError(
          'CONFLICT',
          'Another change took the same name at the same moment; reload and try again',
          {},
          { cause: error },
        );
      }
      throw error;
    });
    // committed: the change is real. What follows runs whole; a failure is the caller's to hear about
    // (a revocation that did not happen must not look like success), after everything was tried.
    let failure: unknown;
    const touched = [...kinds];
    if (touched.length > 0) await this.bus.committed(touched).catch((error) => (failure ??= error));
    for (const job of after) {
      await job().catch((error) => {
        this.logger.error({ err: error }, 'work after a committed change failed');
        failure ??= error;
      });
    }
    if (failure !== undefined) throw failure;
    return result;
  }

  /** A write inside a `writeAll`: the outer unit's transaction, this write's own audit row and target. */
  private async join<T>(outer: Unit, origin: ChangeOrigin | undefined, work: (unit: Unit) => Promise<T>): Promise<T> {
    let refId: number | null = null;
    const unit: Unit = {
      db: outer.db,
      actor: origin?.caller
        ? { userId: origin.caller.user?.id ?? null, appId: origin.caller.app?.id ?? null }
        : outer.actor,
      touched: (...kinds) => outer.touched(...kinds),
      target: (id) => {
        refId = id;
      },
      afterCommit: (job) => outer.afterCommit(job),
    };
    const value = await work(unit);
    await origin?.audit?.record(outer.db, refId);
    return value;
  }
}
