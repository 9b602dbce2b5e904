import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Gateway } from '../gateway/gateway.js';
import { Channel } from '../telemetry/request-log.js';
import { callerOf, createMcpServer, type McpDeps } from './server.js';

/**
 * `portico mcp`: one MCP connection for a local agent over a transport it owns (stdio), every call made with
 * one token. The token is checked before the first message, so a wrong one fails at start, not on a call.
 */
export async function serveMcp(
  deps: McpDeps & { readonly gateway: Gateway },
  transport: Transport,
  token: string,
): Promise<{ close(): Promise<void> }> {
  await callerOf(deps.tokens, token);
  const server = createMcpServer(deps, () => ({
    channel: Channel.mcp,
    token,
    ip: '127.0.0.1',
    userAgent: 'portico mcp (stdio)',
  }));
  const unsubscribe = deps.gateway.onRebuilt(() => {
    server.sendToolListChanged().catch(() => {});
  });
  await server.connect(transport);
  return {
    async close() {
      unsubscribe();
      await server.close();
    },
  };
}
