import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Caller } from '../auth/caller.js';
import type { TokenService } from '../auth/tokens.js';
import type { Pipeline } from '../gateway/pipeline.js';
import { ArgumentError, answerBody, type CallOrigin, errorMessage, runOperation } from './call.js';
import type { ToolCatalogue, ToolEntry } from './catalogue.js';

/** What the MCP room works with: narrow, so `portico mcp` and the HTTP route build it the same way. */
export interface McpDeps {
  readonly catalogue: ToolCatalogue;
  readonly pipeline: Pipeline;
  readonly tokens: TokenService;
  readonly logger: Logger;
  readonly version: string;
}

/** Who sends a message on a connection: resolved per message (a session's token may be refreshed). */
export type OriginOf = (extra: { authInfo?: { token: string } | undefined }) => CallOrigin;

/** The caller a token stands for (only its scopes matter to the tool list); a bad token is a 401 PorticoError. */
export async function callerOf(tokens: TokenService, token: string | null): Promise<Caller> {
  if (token === null) return { user: null, app: null, token: null, scopes: [] };
  const verified = await tokens.verify(token);
  return {
    user: { id: verified.userId, name: verified.userName, email: verified.email },
    app: verified.appId !== null && verified.appKey !== null ? { id: verified.appId, key: verified.appKey } : null,
    token: verified,
    scopes: verified.scopes,
  };
}

/**
 * An MCP server for one connection (a Streamable HTTP session, or stdio): `tools/list` lists the operations the
 * caller may call, `tools/call` runs one through the gateway's pipeline.
 */
export function createMcpServer(deps: McpDeps, originOf: OriginOf): Server {
  const server = new Server(
    { name: 'portico', title: 'Portico', version: deps.version },
    {
      capabilities: { tools: { listChanged: true } },
      instructions:
        'Each tool is an operation of this API. Arguments: path parameters and query parameters by name, the request body as `body`.',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    const origin = originOf(extra);
    const caller = await callerOrMcpError(deps.tokens, origin.token);
    const tools = await deps.catalogue.visibleTo(caller);
    return { tools: tools.map(describe) };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const origin = originOf(extra);
    const caller = await callerOrMcpError(deps.tokens, origin.token);
    const tool = await deps.catalogue.find(request.params.name, caller);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    let answer: Awaited<ReturnType<typeof runOperation>>;
    try {
      answer = await runOperation(deps.pipeline, tool, request.params.arguments, origin);
    } catch (error) {
      if (error instanceof ArgumentError) return { isError: true, content: [{ type: 'text', text: error.message }] };
      throw error;
    }
    return toolResult(tool, answer.status, answerBody(answer), answer);
  });
  return server;
}

async function callerOrMcpError(tokens: TokenService, token: string | null): Promise<Caller> {
  try {
    return await callerOf(tokens, token);
  } catch (error) {
    throw new McpError(ErrorCode.InvalidRequest, (error as Error).message);
  }
}

function describe(tool: ToolEntry): Tool {
  const read = tool.operation.method === 'GET';
  const described: Tool = {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: tool.inputSchema as Tool['inputSchema'],
    annotations: { readOnlyHint: read, idempotentHint: read || tool.operation.method === 'PUT' },
  };
  if (tool.outputSchema) described.outputSchema = tool.outputSchema as Tool['outputSchema'];
  return described;
}

/** The operation's answer as a tool result: its body as text (and structured, when it is an object); a 4xx/5xx is a tool error. */
export function toolResult(
  _tool: ToolEntry,
  status: number,
  body: unknown,
  answer: { readonly body: Buffer },
): CallToolResult {
  if (status >= 400) {
    return {
      isError: true,
      content: [{ type: 'text', text: errorMessage({ status, headers: {}, body: answer.body }, body) }],
      _meta: { status },
    };
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const result: CallToolResult = { content: [{ type: 'text', text }], _meta: { status } };
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    result.structuredContent = body as Record<string, unknown>;
  }
  return result;
}
