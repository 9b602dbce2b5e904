import { createHmac, timingSafeEqual } from 'node:crypto';
import { defineAction, errors, response } from '@portico/server';

interface Config {
  /** the SQL connection to the hosting app's database */
  connection: string;
  /** `schema.table` of the servers */
  table: string;
  /** the environment variable holding the secret the legacy app signs its callbacks with */
  secretVariable: string;
}

interface Callback {
  id: number;
  state: string;
  at: number;
  requestedBy?: number;
}

interface Sql {
  all(statement: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
}

const tableName = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/;
const maxAgeSeconds = 300;

/**
 * The hosting app's worker (and its start form) call this after a server changed state. The call is
 * signed with a shared secret; the state is read back from the app's database, so the event says what
 * the database holds, and `server.state_changed` goes to the webhooks of the developer who asked for the
 * change (or to every subscriber when the change came from the panel itself).
 */
export default defineAction<Config>({
  name: 'Hosting-State-Callback',
  class: 'Hosting.ServerStateCallback',
  description: 'Turns a signed state callback of the hosting app into the server.state_changed event',
  config: {
    type: 'object',
    properties: {
      connection: { type: 'string', title: 'Hosting database', 'x-form': 'connection' },
      table: { type: 'string', title: 'Servers table (schema.table)', pattern: tableName.source },
      secretVariable: {
        type: 'string',
        title: 'Environment variable with the signing secret',
        default: 'HOSTING_CALLBACK_SECRET',
      },
    },
    required: ['connection', 'table'],
  },
  async handle(request, context, config) {
    const secret = process.env[config.secretVariable || 'HOSTING_CALLBACK_SECRET'];
    if (!secret) throw errors.serviceUnavailable('The state callback has no signing secret configured');
    const body = request.body as Partial<Callback> | undefined;
    const signature = String(request.headers['x-hosting-signature'] ?? '');
    if (!body || !Number.isInteger(body.id) || typeof body.state !== 'string' || !Number.isInteger(body.at)) {
      throw errors.badRequest('The callback needs id, state and at');
    }
    const expected = createHmac('sha256', secret).update(`${body.id}.${body.state}.${body.at}`).digest();
    const given = Buffer.from(signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw errors.unauthorized('The callback signature does not match');
    }
    if (Math.abs(Date.now() / 1000 - (body.at as number)) > maxAgeSeconds) {
      throw errors.unauthorized('The callback is too old');
    }
    const [, schema, table] = tableName.exec(config.table) ?? [];
    if (!schema || !table) throw errors.serviceUnavailable('The servers table is misconfigured');
    const db = await context.connections.get<Sql>(config.connection);
    const rows = await db.all(`select id, name, state, updated_at from "${schema}"."${table}" where id = $1`, [
      body.id,
    ]);
    const server = rows[0];
    if (!server) throw errors.notFound(`Server ${body.id} does not exist`);
    // the database, not the callback, says what the state is now
    const payload = {
      id: Number(server.id),
      name: String(server.name),
      state: String(server.state),
      changedAt: new Date(String(server.updated_at)).toISOString(),
    };
    const userId =
      Number.isInteger(body.requestedBy) && (body.requestedBy as number) > 0 ? body.requestedBy : undefined;
    await context.dispatch('server.state_changed', payload, userId ? { userId } : undefined);
    context.logger.info('server state changed', { id: payload.id, state: payload.state });
    return response(202, { success: true, message: 'Event dispatched' });
  },
});
