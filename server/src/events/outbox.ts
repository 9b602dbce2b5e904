import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Encryption } from '../auth/encryption.js';
import type { DialectName } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import type { Database } from '../db/schema.js';
import { serviceUnavailable } from '../errors.js';
import { DeliveryStatus, MessageKind, MessageState } from './tables.js';

export const eventNamePattern = /^[a-zA-Z0-9\-_.]{1,64}$/;
const jobNamePattern = /^[a-zA-Z0-9\-_.:]{1,128}$/;

/** At most 1 MiB of JSON per event: webhooks carry notifications, not bulk data. */
export const maxPayloadBytes = 1024 * 1024;

export interface DispatchRequest {
  readonly name: string;
  readonly payload: unknown;
  /** only this user's webhooks receive the event (Fusio's `dispatch(name, payload, userId)`) */
  readonly userId?: number | null | undefined;
  /** who caused it: the caller of the request that dispatched it, handed on to triggers */
  readonly origin?: { readonly userId: number | null; readonly appId: number | null } | undefined;
}

/** What actions dispatch events through. */
export interface EventDispatcher {
  /** stores the event in the outbox; resolves with its id (the `webhook-id`) once it is durable */
  dispatch(event: DispatchRequest): Promise<string>;
}

/** A lock conflict between concurrent writers (the worker's fan-out and new events): the statement may be repeated. */
export function isDeadlock(error: unknown): boolean {
  const err = error as { code?: string; errno?: number };
  return (
    err?.errno === 1213 || err?.code === 'ER_LOCK_DEADLOCK' || err?.code === '40P01' || err?.code === 'SQLITE_BUSY'
  );
}

/** Runs a single-statement write again when it lost a deadlock, as the databases advise. */
export async function retryOnDeadlock<T>(write: () => Promise<T>, tries = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= tries || !isDeadlock(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10));
    }
  }
}

export function newMessageId(): string {
  return `msg_${randomUUID().replaceAll('-', '')}`;
}

function serialize(payload: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload ?? null);
  } catch (error) {
    throw new Error(`The payload of ${what} cannot be sent as JSON: ${(error as Error).message}`);
  }
  if (json === undefined) json = 'null';
  if (Buffer.byteLength(json) > maxPayloadBytes) {
    throw new Error(`The payload of ${what} is larger than ${maxPayloadBytes} bytes`);
  }
  return json;
}

/**
 * The outbox: a dispatched event is one insert into the system database, done before the request that
 * dispatched it is answered, so it survives a crash right after. The delivery worker fans it out.
 */
export class Outbox implements EventDispatcher {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly encryption: Encryption,
    /** tells this node's worker there is something new */
    private readonly written: () => void,
  ) {}

  async dispatch(event: DispatchRequest): Promise<string> {
    if (typeof event.name !== 'string' || !eventNamePattern.test(event.name)) {
      throw new Error(`Invalid event name "${String(event.name)}": use 1 to 64 letters, digits, "-", "_" or "."`);
    }
    const userId = event.userId ?? null;
    if (userId !== null && !(Number.isSafeInteger(userId) && userId > 0)) {
      throw new Error(`Invalid user id ${String(userId)} for event ${event.name}: a positive integer`);
    }
    const payload = serialize(event.payload, `event ${event.name}`);
    const uid = newMessageId();
    try {
      await retryOnDeadlock(() =>
        this.db
          .insertInto('event_messages')
          .values({
            uid,
            kind: MessageKind.event,
            name: event.name,
            payload,
            user_id: userId,
            origin_user_id: event.origin?.userId ?? null,
            origin_app_id: event.origin?.appId ?? null,
            state: MessageState.waiting,
            claim_token: null,
            created_at: Date.now(),
          })
          .execute(),
      );
    } catch (error) {
      throw serviceUnavailable('The event could not be recorded, the system database is not available', error);
    }
    this.written();
    return uid;
  }

  /**
   * A durable background job for this platform's own work (e.g. a mail): stored encrypted, run by the
   * handler registered under `job` on any node, retried like a webhook until it succeeds.
   */
  async enqueueJob(job: string, payload: unknown): Promise<string> {
    if (!jobNamePattern.test(job)) throw new Error(`Invalid job name "${job}"`);
    const sealed = this.encryption.encrypt(serialize(payload, `job ${job}`));
    const uid = newMessageId();
    const now = Date.now();
    try {
      await this.db.transaction().execute(async (trx) => {
        const messageId = await insertWithId(
          trx.insertInto('event_messages').values({
            uid,
            kind: MessageKind.job,
            name: job,
            payload: sealed,
            user_id: null,
            origin_user_id: null,
            origin_app_id: null,
            state: MessageState.fannedOut,
            claim_token: null,
            created_at: now,
          }),
          this.dialect,
        );
        await trx
          .insertInto('event_deliveries')
          .values({
            message_id: messageId,
            webhook_id: null,
            trigger_id: null,
            job,
            status: DeliveryStatus.pending,
            attempts: 0,
            next_attempt_at: now,
            lease_until: null,
            claim_token: null,
            code: null,
            body: null,
            error: null,
            history: null,
            execute_date: null,
            created_at: now,
          })
          .execute();
      });
    } catch (error) {
      throw serviceUnavailable('The job could not be recorded, the system database is not available', error);
    }
    this.written();
    return uid;
  }

  decryptJobPayload(stored: string): unknown {
    return JSON.parse(this.encryption.decrypt(stored));
  }
}
