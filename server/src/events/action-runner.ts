import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { actionNameOf, buildActionHandler } from '../actions/build.js';
import type { ActionRegistry } from '../actions/registry.js';
import { type ActionRow, type Database, Status } from '../db/schema.js';
import type {
  ActionContext,
  ActionEnv,
  ActionHandler,
  ActionLogger,
  ActionRequest,
  ConnectionAccess,
} from '../plugins/action.js';
import { isActionResponse } from '../plugins/action.js';
import type { EventDispatcher } from './outbox.js';

export interface RunOrigin {
  readonly kind: 'trigger' | 'cronjob';
  /** the trigger's or cronjob's name */
  readonly name: string;
  /** the event a trigger runs for */
  readonly event?: string;
  readonly userId: number | null;
  readonly appId: number | null;
  readonly requestId: string;
}

export interface ActionRunnerDeps {
  readonly db: Kysely<Database>;
  readonly actions: ActionRegistry;
  readonly logger: ActionLogger;
  readonly connections: ConnectionAccess;
  readonly baseUrl: string;
  readonly dispatcher: EventDispatcher;
}

const anonymousUser = Object.freeze({ anonymous: true, id: 0, name: 'anonymous', email: undefined });
const anonymousApp = Object.freeze({ anonymous: true, id: 0, key: '' });

/**
 * Runs a stored action outside an HTTP request: for a trigger (the event's payload as the body) or a
 * cronjob (no body). Built handlers are kept until the action changes, like the gateway does.
 */
export class ActionRunner {
  private readonly handlers = new Map<number, { key: string; handler: Promise<ActionHandler> }>();
  private readonly env: ActionEnv;

  constructor(private readonly deps: ActionRunnerDeps) {
    this.env = { logger: deps.logger, connections: deps.connections, baseUrl: deps.baseUrl };
  }

  /** Resolves with what the action returned; rejects when it throws or answers with a 5xx status. */
  async run(reference: string, body: unknown, origin: RunOrigin): Promise<unknown> {
    const name = actionNameOf(reference);
    const row = await this.deps.db
      .selectFrom('actions')
      .selectAll()
      .where('name', '=', name)
      .where('status', '=', Status.active)
      .executeTakeFirst();
    if (!row) throw new Error(`Action "${name}" does not exist`);
    const handler = await this.handlerFor(row);
    const context = await this.contextFor(origin);
    const request: ActionRequest = {
      method: origin.kind === 'trigger' ? 'POST' : 'GET',
      path: origin.kind === 'trigger' ? `/event/${origin.event ?? ''}` : `/cronjob/${origin.name}`,
      params: {},
      query: {},
      headers: {},
      body,
      ip: '127.0.0.1',
      requestId: origin.requestId,
    };
    const result = await handler(request, context);
    // nobody reads a streamed answer here (an HTTP proxy's): release its connection
    if (isActionResponse(result) && result.body instanceof Readable) result.body.destroy();
    if (isActionResponse(result) && result.status !== undefined && result.status >= 500) {
      const text = (result.body as { message?: unknown } | undefined)?.message;
      throw new Error(
        `Action ${name} answered with status ${result.status}${typeof text === 'string' ? `: ${text}` : ''}`,
      );
    }
    return result;
  }

  private handlerFor(row: ActionRow): Promise<ActionHandler> {
    const key = `${row.updated_at}:${this.deps.actions.generation(row.class)}`;
    const cached = this.handlers.get(row.id);
    if (cached && cached.key === key) return cached.handler;
    const handler = buildActionHandler(this.deps.actions, row, this.env);
    this.handlers.set(row.id, { key, handler });
    handler.catch(() => this.handlers.delete(row.id));
    return handler;
  }

  private async contextFor(origin: RunOrigin): Promise<ActionContext> {
    const { db, dispatcher } = this.deps;
    const [user, app] = await Promise.all([
      origin.userId === null
        ? undefined
        : db.selectFrom('users').select(['id', 'name', 'email']).where('id', '=', origin.userId).executeTakeFirst(),
      origin.appId === null
        ? undefined
        : db.selectFrom('apps').select(['id', 'app_key']).where('id', '=', origin.appId).executeTakeFirst(),
    ]);
    const caller = { userId: user?.id ?? null, appId: app?.id ?? null };
    return {
      operation: { id: 0, name: `${origin.kind}.${origin.name}` },
      user: user ? { anonymous: false, id: user.id, name: user.name, email: user.email ?? undefined } : anonymousUser,
      app: app ? { anonymous: false, id: app.id, key: app.app_key } : anonymousApp,
      scopes: [],
      baseUrl: this.deps.baseUrl,
      requestId: origin.requestId,
      logger: this.deps.logger,
      connections: this.deps.connections,
      async dispatch(eventName, payload, options) {
        await dispatcher.dispatch({ name: eventName, payload, userId: options?.userId, origin: caller });
      },
    };
  }
}
