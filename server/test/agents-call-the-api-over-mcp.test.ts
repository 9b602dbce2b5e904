import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolResult, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineActionType, response } from '../src/plugins/action.js';
import { systemDatabases } from './support/databases.js';
import { adminPassword, type Harness, startHarness } from './support/harness.js';
import { clientCredentials, createRate } from './support/rate-helpers.js';

const databases = await systemDatabases();
const bin = path.resolve(import.meta.dirname, '../bin/portico.js');

/** Answers with what reached the action: the proof that arguments became path, query and body. */
const echoAction = defineActionType<Record<string, never>>({
  class: 'Test.McpEcho',
  name: 'Test-Mcp-Echo',
  config: { type: 'object', properties: {} },
  create() {
    return (request, context) =>
      response(200, {
        params: request.params,
        query: request.query,
        body: request.body ?? null,
        user: context.user.anonymous ? null : context.user.name,
      });
  },
});

async function mcpClient(h: Harness, token: string | null): Promise<Client> {
  const client = new Client({ name: 'portico-test-agent', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${h.baseUrl}/mcp`), {
    requestInit: token === null ? {} : { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

async function appWithScopes(
  h: Harness,
  userId: number,
  name: string,
  scopes: string[],
): Promise<{ id: number; token: string }> {
  const app = (await h.admin
    .backend()
    .app()
    .create({ userId, name, url: 'https://agent.example.com', scopes } as never)) as {
    id?: string;
    appKey?: string;
    appSecret?: string;
  };
  return { id: Number(app.id), token: await clientCredentials(h, `${app.appKey}`, `${app.appSecret}`) };
}

async function rpc(h: Harness, token: string | null, payload: unknown): Promise<{ status: number; body: unknown }> {
  const res = await h.fetch('/jsonrpc', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

const textOf = (result: CallToolResult) => (result.content[0] as { text: string }).text;

describe.each(databases)('agents call the API over MCP and JSON-RPC ($kind)', (database) => {
  let h: Harness;
  let agent: { id: number; token: string };
  let narrow: { id: number; token: string };
  const ids: Record<string, number> = {};

  const operation = async (body: Record<string, unknown>) => {
    const created = await h.admin
      .backend()
      .operation()
      .create({ httpCode: 200, ...body } as never);
    ids[body.name as string] = Number(created.id);
  };

  beforeAll(async () => {
    h = await startHarness(database, {}, { actionTypes: [echoAction] });
    const backend = h.admin.backend();
    await backend.scope().create({ name: 'servers', description: 'Read and start servers' });
    await backend.scope().create({ name: 'billing', description: 'Invoices' });
    await backend.schema().create({ name: 'Size', source: { type: 'integer', minimum: 1, maximum: 64 } } as never);
    await backend.schema().create({
      name: 'Server',
      source: {
        type: 'object',
        properties: { name: { type: 'string', minLength: 1 }, size: { $ref: 'Size' } },
        required: ['name'],
      },
    } as never);
    await backend.action().create({ name: 'mcp-echo', class: 'Test.McpEcho', config: {} });
    await backend.action().create({
      name: 'mcp-static',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"pong":true}' },
    });
    await operation({
      name: 'servers.get',
      httpMethod: 'GET',
      httpPath: '/servers/:id',
      description: 'Reads one server',
      parameters: { verbose: { type: 'boolean', description: 'Include the disks' } },
      action: 'mcp-echo',
      scopes: ['servers'],
    });
    await operation({
      name: 'servers.create',
      httpMethod: 'POST',
      httpPath: '/servers',
      description: 'Starts a server',
      incoming: 'Server',
      action: 'mcp-echo',
      scopes: ['servers'],
    });
    await operation({
      name: 'servers.secret',
      httpMethod: 'GET',
      httpPath: '/servers-undocumented',
      action: 'mcp-echo',
      scopes: ['servers'],
    });
    await operation({
      name: 'servers.usage',
      httpMethod: 'GET',
      httpPath: '/servers/:id/usage',
      description: 'What a server used',
      action: 'mcp-echo',
      scopes: ['servers'],
    });
    await operation({
      name: 'servers.expensive',
      httpMethod: 'GET',
      httpPath: '/servers/:id/report',
      description: 'A costly report',
      action: 'mcp-echo',
      scopes: ['servers'],
      costs: 5,
    });
    await operation({
      name: 'billing.list',
      httpMethod: 'GET',
      httpPath: '/invoices',
      description: 'Lists invoices',
      action: 'mcp-echo',
      scopes: ['billing'],
    });
    await operation({
      name: 'meta.ping',
      httpMethod: 'GET',
      httpPath: '/ping',
      description: 'Answers pong',
      action: 'mcp-static',
      public: true,
    });
    const role = await h.portico.platform.db
      .selectFrom('roles')
      .select('id')
      .where('name', '=', 'Consumer')
      .executeTakeFirstOrThrow();
    const owner = await backend.user().create({
      roleId: role.id,
      name: 'agent-owner',
      email: 'agent-owner@example.com',
      password: 'agent-owner-password-1',
      status: 1,
      scopes: ['servers', 'billing'],
    } as never);
    agent = await appWithScopes(h, Number(owner.id), 'mcp-agent', ['servers']);
    narrow = await appWithScopes(h, Number(owner.id), 'mcp-narrow', ['billing']);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('asks a client without a token to authorize, and names the authorization server for /mcp', async () => {
    const res = await h.fetch('/mcp', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${h.baseUrl}/.well-known/oauth-protected-resource/mcp"`,
    );
    const wrong = await h.fetch('/mcp', { method: 'POST', headers: { authorization: 'Bearer nonsense' }, body: '{}' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", resource_metadata="/);
    const metadata = (await (await h.fetch('/.well-known/oauth-protected-resource/mcp')).json()) as Record<
      string,
      unknown
    >;
    expect(metadata.resource).toBe(`${h.baseUrl}/mcp`);
    expect(metadata.authorization_servers).toEqual([h.baseUrl]);
    // a browser-based agent may ask first, and read the session header
    const preflight = await h.fetch('/mcp', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://agent.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, mcp-session-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type, mcp-session-id');
    const fromBrowser = await h.fetch('/mcp', { method: 'POST', headers: { origin: 'https://agent.example' } });
    expect(fromBrowser.headers.get('access-control-expose-headers')).toMatch(/WWW-Authenticate.*Mcp-Session-Id/);
    const server = (await (await h.fetch('/.well-known/oauth-authorization-server')).json()) as Record<string, unknown>;
    expect(server.code_challenge_methods_supported).toEqual(['S256']);
    // MCP clients name the resource they want a token for (RFC 8707): accepted, the token serves the whole API
    const issued = await h.fetch('/authorization/token', {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: `${h.baseUrl}/mcp` }),
    });
    expect(issued.status).toBe(200);
  });

  it('lists the operations the token may call as tools, and calls one through the gateway', async () => {
    const client = await mcpClient(h, agent.token);
    try {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      expect(names).toEqual(['meta.ping', 'servers.create', 'servers.expensive', 'servers.get', 'servers.usage']);
      const get = tools.find((t) => t.name === 'servers.get')!;
      expect(get.description).toMatch(/^Reads one server\n\nGET \/servers\/:id \(category: default\)$/);
      expect(get.inputSchema.required).toEqual(['id']);
      expect(get.inputSchema.properties?.verbose).toEqual({ type: 'boolean', description: 'Include the disks' });
      expect(get.annotations?.readOnlyHint).toBe(true);
      const create = tools.find((t) => t.name === 'servers.create')!;
      expect(create.inputSchema.properties?.body).toMatchObject({ $ref: '#/$defs/Server' });
      expect((create.inputSchema as { $defs?: Record<string, unknown> }).$defs?.Size).toEqual({
        type: 'integer',
        minimum: 1,
        maximum: 64,
      });

      const read = (await client.callTool({
        name: 'servers.get',
        arguments: { id: 'a b/7', verbose: true },
      })) as CallToolResult;
      expect(read.isError).toBeFalsy();
      expect(read.structuredContent).toEqual({
        params: { id: 'a b/7' },
        query: { verbose: 'true' },
        body: null,
        user: 'agent-owner',
      });
      expect(JSON.parse(textOf(read))).toEqual(read.structuredContent);

      const made = (await client.callTool({
        name: 'servers.create',
        arguments: { body: { name: 'web-1', size: 4 } },
      })) as CallToolResult;
      expect(made.structuredContent).toMatchObject({ body: { name: 'web-1', size: 4 } });
      // the incoming schema refuses a bad body as it does over HTTP: a tool error with the API's message
      const refused = (await client.callTool({
        name: 'servers.create',
        arguments: { body: { name: 'web-2', size: 500 } },
      })) as CallToolResult;
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toBe('Request body: property /size must be <= 64');
      const unknownArgument = (await client.callTool({
        name: 'servers.get',
        arguments: { id: 1, drop: 'tables' },
      })) as CallToolResult;
      expect(unknownArgument.isError).toBe(true);
      expect(textOf(unknownArgument)).toMatch(/Unknown argument "drop"/);
    } finally {
      await client.close();
    }
  });

  it('shows a token without the scope neither the tools nor lets it call them', async () => {
    const client = await mcpClient(h, narrow.token);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(['billing.list', 'meta.ping']);
      await expect(client.callTool({ name: 'servers.get', arguments: { id: 1 } })).rejects.toThrow(
        /Unknown tool: servers.get/,
      );
      const pong = (await client.callTool({ name: 'meta.ping', arguments: {} })) as CallToolResult;
      expect(pong.structuredContent).toEqual({ pong: true });
    } finally {
      await client.close();
    }
    // nor can one app's token use the session another app opened
    const owner = await h.fetch('/mcp', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${agent.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });
    expect(owner.status).toBe(200);
    const session = owner.headers.get('mcp-session-id')!;
    await owner.body?.cancel();
    const stolen = await h.fetch('/mcp', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${narrow.token}`,
        'mcp-session-id': session,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
    });
    expect(stolen.status).toBe(404);
  });

  it('keeps at most 16 sessions per app on a node: a 17th closes the oldest', async () => {
    const headers = {
      authorization: `Bearer ${narrow.token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const open = async () => {
      const res = await h.fetch('/mcp', {
        method: 'POST',
        headers,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
        }),
      });
      await res.body?.cancel();
      return res.headers.get('mcp-session-id')!;
    };
    const list = (session: string) =>
      h.fetch('/mcp', {
        method: 'POST',
        headers: { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
      });
    const sessions: string[] = [];
    for (let i = 0; i < 16; i++) sessions.push(await open());
    const second = await list(sessions[1]!);
    expect(second.status).toBe(200);
    await second.body?.cancel();
    await open();
    expect((await list(sessions[0]!)).status).toBe(404);
    const kept = await list(sessions[1]!);
    expect(kept.status).toBe(200);
    await kept.body?.cancel();
  });

  it('counts a call over MCP against the same rate limit as HTTP, and logs it marked as MCP', async () => {
    await createRate(h, {
      name: 'McpAgents',
      priority: 60,
      rateLimit: 3,
      timespan: 'PT1M',
      allocation: [{ operationId: ids['servers.usage'], authenticated: true }],
    } as never);
    const http = () => h.fetch('/servers/9/usage', { headers: { authorization: `Bearer ${agent.token}` } });
    expect((await http()).status).toBe(200);
    const client = await mcpClient(h, agent.token);
    try {
      const first = (await client.callTool({ name: 'servers.usage', arguments: { id: 9 } })) as CallToolResult;
      expect(first.isError).toBeFalsy();
      expect((await http()).status).toBe(200);
      // three counted, one each way: the fourth is refused over MCP, the fifth over HTTP
      const limited = (await client.callTool({ name: 'servers.usage', arguments: { id: 9 } })) as CallToolResult;
      expect(limited.isError).toBe(true);
      expect(textOf(limited)).toBe('Rate limit exceeded');
      expect((await http()).status).toBe(429);
    } finally {
      await client.close();
    }
    await h.flushLogs();
    const rows = await h.portico.platform.db
      .selectFrom('logs')
      .select(['channel', 'response_code', 'app_id', 'path'])
      .where('operation_id', '=', ids['servers.usage']!)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.channel, r.response_code])).toEqual([
      [0, 200],
      [1, 200],
      [0, 200],
      [1, 429],
      [0, 429],
    ]);
    expect(new Set(rows.map((r) => r.app_id))).toEqual(new Set([agent.id]));
  });

  it('charges points over MCP as over HTTP: a caller without points is refused the same way', async () => {
    const http = await h.fetch('/servers/1/report', { headers: { authorization: `Bearer ${agent.token}` } });
    const refusal = (await http.json()) as { message: string };
    expect(http.status).toBeGreaterThanOrEqual(400);
    const client = await mcpClient(h, agent.token);
    try {
      const result = (await client.callTool({ name: 'servers.expensive', arguments: { id: 1 } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(refusal.message);
      expect(result._meta?.status).toBe(http.status);
    } finally {
      await client.close();
    }
  });

  it('tells a connected client that the tool list changed when an operation is added or hidden', async () => {
    const client = await mcpClient(h, agent.token);
    try {
      let changed = 0;
      let resolve: () => void = () => {};
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        changed++;
        resolve();
      });
      // the server's stream for notifications opens after the handshake
      await new Promise((r) => setTimeout(r, 300));
      const arrived = new Promise<void>((r) => {
        resolve = r;
      });
      await operation({
        name: 'servers.restart',
        httpMethod: 'POST',
        httpPath: '/servers/:id/restart',
        description: 'Restarts a server',
        action: 'mcp-echo',
        scopes: ['servers'],
      });
      await Promise.race([
        arrived,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no list_changed')), 5000)),
      ]);
      expect(changed).toBeGreaterThanOrEqual(1);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('servers.restart');
      // an administrator takes it out of MCP (the operation's metadata), and an undocumented one in
      await h.admin
        .backend()
        .operation()
        .update(String(ids['servers.restart']), { metadata: { mcp: 'false' } } as never);
      await h.admin
        .backend()
        .operation()
        .update(String(ids['servers.secret']), { metadata: { mcp: 'true' } } as never);
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).not.toContain('servers.restart');
      expect(names).toContain('servers.secret');
      // the HTTP route is untouched
      const restart = await h.fetch('/servers/1/restart', {
        method: 'POST',
        headers: { authorization: `Bearer ${agent.token}` },
      });
      expect(restart.status).toBe(200);
    } finally {
      await client.close();
    }
  });

  it('answers JSON-RPC calls, single and batched, with JSON-RPC error codes and the API’s message', async () => {
    const single = await rpc(h, agent.token, {
      jsonrpc: '2.0',
      id: 'a',
      method: 'servers.get',
      params: { id: 5, verbose: false },
    });
    expect(single).toEqual({
      status: 200,
      body: {
        jsonrpc: '2.0',
        id: 'a',
        result: { params: { id: '5' }, query: { verbose: 'false' }, body: null, user: 'agent-owner' },
      },
    });
    const batch = await rpc(h, agent.token, [
      { jsonrpc: '2.0', id: 1, method: 'servers.create', params: { body: { name: 'db-1' } } },
      { jsonrpc: '2.0', id: 2, method: 'servers.create', params: { body: { size: 2 } } },
      { jsonrpc: '2.0', id: 3, method: 'billing.list' },
      { jsonrpc: '2.0', method: 'meta.ping' },
      { jsonrpc: '2.0', id: 4, method: 'servers.get', params: [5] },
      { id: 5, method: 'servers.get' },
    ]);
    expect(batch.status).toBe(200);
    expect(batch.body).toEqual([
      { jsonrpc: '2.0', id: 1, result: expect.objectContaining({ body: { name: 'db-1' } }) },
      {
        jsonrpc: '2.0',
        id: 2,
        error: {
          code: -32602,
          message: 'Request body: property /name is required',
          data: expect.objectContaining({ status: 400, message: 'Request body: property /name is required' }),
        },
      },
      { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'Method not found: billing.list' } },
      { jsonrpc: '2.0', id: 4, error: { code: -32602, message: 'Invalid params: give them by name, as an object' } },
      { jsonrpc: '2.0', id: 5, error: { code: -32600, message: 'Invalid Request' } },
    ]);
    expect(await rpc(h, agent.token, '{"jsonrpc":')).toEqual({
      status: 200,
      body: { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } },
    });
    expect((await rpc(h, agent.token, [])).body).toMatchObject({ error: { code: -32600 } });
    // anonymous: public operations only
    expect((await rpc(h, null, { jsonrpc: '2.0', id: 1, method: 'meta.ping' })).body).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { pong: true },
    });
    expect(
      (await rpc(h, null, { jsonrpc: '2.0', id: 1, method: 'servers.get', params: { id: 1 } })).body,
    ).toMatchObject({
      error: { code: -32601 },
    });
    // the platform's own operations are not methods (nor tools) until the setting names them
    const health = { jsonrpc: '2.0', id: 7, method: 'system.meta.getHealth' };
    const account = { jsonrpc: '2.0', id: 8, method: 'consumer.account.get' };
    const adminToken = await h.adminToken();
    expect((await rpc(h, null, health)).body).toMatchObject({ error: { code: -32601 } });
    expect((await rpc(h, adminToken, account)).body).toMatchObject({ error: { code: -32601 } });
    await h.admin
      .backend()
      .config()
      .update('~mcp_platform_operations', { value: 'system.meta.*, consumer.account.get' } as never);
    expect((await rpc(h, null, health)).body).toMatchObject({ id: 7, result: expect.any(Object) });
    expect((await rpc(h, adminToken, account)).body).toMatchObject({ id: 8, result: { name: 'admin' } });
    // …and their scopes still apply: the agent's app holds no consumer scope
    expect((await rpc(h, agent.token, account)).body).toMatchObject({ error: { code: -32601 } });
    await h.admin
      .backend()
      .config()
      .update('~mcp_platform_operations', { value: '' } as never);
    await h.flushLogs();
    const rpcRows = await h.portico.platform.db
      .selectFrom('logs')
      .select(['channel', 'response_code'])
      .where('operation_id', '=', ids['servers.create']!)
      .where('channel', '=', 2)
      .execute();
    expect(rpcRows.map((r) => r.response_code).sort()).toEqual([200, 400]);
  });

  it.skipIf(database.kind === 'sqlite')(
    'serves the same tools over stdio with `portico mcp`',
    async () => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [bin, 'mcp'],
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: h.databaseUrl,
          PORTICO_SECRET_KEY: 'test-secret-key-0123456789',
          PUBLIC_URL: h.baseUrl,
          LOG_LEVEL: 'silent',
          PORTICO_MCP_TOKEN: agent.token,
          PORTICO_DATA_DIR: path.join(process.env.TMPDIR ?? '/tmp', `portico-mcp-${process.pid}`),
        },
        stderr: 'pipe',
      });
      let stderr = '';
      transport.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const client = new Client({ name: 'portico-stdio-agent', version: '1.0.0' });
      try {
        await client.connect(transport);
        const names = (await client.listTools()).tools.map((t) => t.name);
        expect(names).toContain('meta.ping');
        expect(names).toContain('servers.get');
        expect(names).not.toContain('billing.list');
        const pong = (await client.callTool({ name: 'meta.ping', arguments: {} })) as CallToolResult;
        expect(pong.structuredContent).toEqual({ pong: true });
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${stderr}`);
      } finally {
        await client.close();
      }
      // the spawned process wrote its log row on the way out
      let rows: { channel: number }[] = [];
      for (let i = 0; i < 50 && rows.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        rows = await h.portico.platform.db
          .selectFrom('logs')
          .select(['channel'])
          .where('operation_id', '=', ids['meta.ping']!)
          .where('app_id', '=', agent.id)
          .where('channel', '=', 1)
          .execute();
      }
      expect(rows).toEqual([{ channel: 1 }]);
    },
    60_000,
  );
});
