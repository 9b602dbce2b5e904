import { randomUUID } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VerifiedToken } from '../auth/tokens.js';
import type { Firewall } from '../firewall/firewall.js';
import { type CorsPolicy, corsHeaders, preflightHeaders } from '../gateway/cors.js';
import { screenAddress } from '../gateway/firewall.js';
import type { Gateway } from '../gateway/gateway.js';
import { Channel } from '../telemetry/request-log.js';
import { createMcpServer, type McpDeps } from './server.js';

export interface McpHttpDeps extends McpDeps {
  readonly gateway: Gateway;
  readonly firewall: Firewall;
  /** the public URL: the issuer of tokens, and where the protected-resource metadata lives */
  readonly issuer: () => string;
  /** CORS_ORIGINS: browser-based agents call /mcp from their own origin */
  readonly cors: CorsPolicy;
}

const mcpMethods = ['GET', 'POST', 'DELETE', 'OPTIONS'];

interface Session {
  readonly id: string;
  readonly transport: StreamableHTTPServerTransport;
  readonly server: Server;
  /** the user and app that opened it: only their tokens may use it */
  readonly owner: string;
  ip: string;
  userAgent: string | undefined;
  lastSeen: number;
}

/** Sessions one user's app may hold open on a node; the oldest is closed for a new one. */
const sessionsPerOwner = 16;
/** A session nobody used for this long is closed (its client starts a new one). */
const idleMs = 30 * 60_000;

/**
 * `/mcp`: the Model Context Protocol over Streamable HTTP. Every request needs a bearer token from this Portico
 * (401 with the protected-resource metadata's address otherwise, so a client can start the OAuth flow); a
 * session belongs to the user and app that opened it. Sessions live in this process: behind a load balancer,
 * route a session's requests to one node (the `Mcp-Session-Id` header).
 */
export function registerMcpHttp(fastify: FastifyInstance, deps: McpHttpDeps): { close(): Promise<void> } {
  const sessions = new Map<string, Session>();
  const resourceMetadata = () => `${deps.issuer()}/.well-known/oauth-protected-resource/mcp`;

  const unsubscribe = deps.gateway.onRebuilt(() => {
    for (const session of sessions.values()) {
      session.server.sendToolListChanged().catch(() => {
        // a session whose client went away: closed by the sweep
      });
    }
  });
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const session of sessions.values()) if (now - session.lastSeen > idleMs) void closeSession(session);
  }, 60_000);
  sweep.unref();

  async function closeSession(session: Session): Promise<void> {
    sessions.delete(session.id);
    await session.transport.close().catch(() => {});
  }

  function refuse(reply: FastifyReply, status: number, message: string, headers: Record<string, string> = {}) {
    reply
      .code(status)
      .headers({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...headers })
      .send({ jsonrpc: '2.0', error: { code: status === 404 ? -32001 : -32000, message }, id: null });
    return reply;
  }

  async function handle(req: FastifyRequest, reply: FastifyReply) {
    const cors = corsHeaders(req.headers.origin, deps.cors);
    if (cors !== null) {
      // set on Node's response, so they stay when the transport writes its own head
      for (const [name, value] of Object.entries(cors)) reply.raw.setHeader(name, value);
      reply.raw.setHeader(
        'access-control-expose-headers',
        `${cors['access-control-expose-headers']}, Mcp-Session-Id, Mcp-Protocol-Version`,
      );
    }
    const refused = screenAddress(deps.firewall, req, '/mcp');
    if (refused !== null) return refuse(reply, 403, refused.message);
    // RFC 6750 §3 and the MCP authorization spec: where the client learns how to get a token
    const bearer = /^bearer +(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    if (!bearer) {
      return refuse(reply, 401, 'This MCP server needs a bearer token', {
        'www-authenticate': `Bearer resource_metadata="${resourceMetadata()}"`,
      });
    }
    let verified: VerifiedToken;
    try {
      verified = await deps.tokens.verify(bearer);
    } catch (error) {
      return refuse(reply, 401, (error as Error).message, {
        'www-authenticate': `Bearer error="invalid_token", resource_metadata="${resourceMetadata()}"`,
      });
    }
    const owner = `${verified.userId}:${verified.appId ?? ''}`;
    let body: unknown;
    if (req.method === 'POST') {
      const raw = req.body as Buffer | undefined;
      try {
        body = JSON.parse(raw === undefined ? '' : raw.toString('utf8'));
      } catch {
        reply.code(400).send({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
        return reply;
      }
    }
    const sessionId = req.headers['mcp-session-id'];
    let session: Session | undefined;
    if (typeof sessionId === 'string') {
      session = sessions.get(sessionId);
      // another user's session does not exist for this caller
      if (!session || session.owner !== owner) return refuse(reply, 404, 'Session not found');
    } else if (req.method === 'POST' && isInitializeRequest(body)) {
      session = await open(owner);
    } else return refuse(reply, 400, 'Bad Request: No valid session ID provided');
    session.ip = req.ip;
    session.userAgent = req.headers['user-agent'];
    session.lastSeen = Date.now();
    const raw = req.raw as typeof req.raw & { auth?: AuthInfo };
    raw.auth = { token: bearer, clientId: verified.appKey ?? String(verified.userId), scopes: [...verified.scopes] };
    reply.hijack();
    await session.transport.handleRequest(raw, reply.raw, body);
    return reply;
  }

  async function open(owner: string): Promise<Session> {
    const mine = [...sessions.values()].filter((s) => s.owner === owner);
    if (mine.length >= sessionsPerOwner) {
      const oldest = mine.reduce((a, b) => (a.lastSeen <= b.lastSeen ? a : b));
      void closeSession(oldest);
    }
    const id = randomUUID();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessioninitialized: () => {
        sessions.set(id, session);
      },
      onsessionclosed: () => {
        sessions.delete(id);
      },
    });
    const server = createMcpServer(deps, (extra) => ({
      channel: Channel.mcp,
      token: extra.authInfo?.token ?? null,
      ip: session.ip,
      userAgent: session.userAgent,
    }));
    const session: Session = { id, transport, server, owner, ip: '', userAgent: undefined, lastSeen: Date.now() };
    transport.onclose = () => {
      sessions.delete(id);
    };
    await server.connect(transport);
    return session;
  }

  fastify.route({ method: ['GET', 'POST', 'DELETE'], url: '/mcp', handler: handle });
  fastify.options('/mcp', (req, reply) => {
    const requested = req.headers['access-control-request-headers'];
    reply
      .code(204)
      .headers(preflightHeaders(req.headers.origin, requested, mcpMethods, deps.cors))
      .send();
  });

  return {
    async close() {
      unsubscribe();
      clearInterval(sweep);
      await Promise.all([...sessions.values()].map(closeSession));
    },
  };
}
