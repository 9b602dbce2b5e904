import {
  authorizationServerMetadata,
  openidConfiguration,
  protectedResourceMetadata,
} from '../oauth/oidc-discovery.js';
import { response } from '../plugins/action.js';
import { type SystemOperation, systemOperation } from './system-operation.js';

/** Metadata may be cached briefly; it changes only with scopes and configuration. */
const cacheable = { 'cache-control': 'public, max-age=300' };

/**
 * Discovery documents under /.well-known (RFC 8615). They are system operations, so user operations
 * cannot take these paths (the operations table holds one operation per method and path).
 */
export const wellKnownOperations: SystemOperation[] = [
  systemOperation({
    name: 'system.wellKnown.getOAuthAuthorizationServer',
    method: 'GET',
    path: '/.well-known/oauth-authorization-server',
    public: true,
    description: 'OAuth 2.0 authorization server metadata (RFC 8414)',
    handler: async ({ platform }) => response(200, await authorizationServerMetadata(platform), cacheable),
  }),
  systemOperation({
    name: 'system.wellKnown.getOpenIdConfiguration',
    method: 'GET',
    path: '/.well-known/openid-configuration',
    public: true,
    description: 'OpenID Connect discovery document',
    handler: async ({ platform }) => response(200, await openidConfiguration(platform), cacheable),
  }),
  systemOperation({
    name: 'system.wellKnown.getOAuthProtectedResource',
    method: 'GET',
    path: '/.well-known/oauth-protected-resource',
    public: true,
    description: 'OAuth 2.0 protected resource metadata (RFC 9728)',
    handler: async ({ platform }) => response(200, await protectedResourceMetadata(platform), cacheable),
  }),
  systemOperation({
    name: 'system.wellKnown.getOAuthProtectedResourceMcp',
    method: 'GET',
    path: '/.well-known/oauth-protected-resource/mcp',
    public: true,
    description: 'OAuth 2.0 protected resource metadata of the MCP server at /mcp (RFC 9728, MCP authorization)',
    handler: async ({ platform }) =>
      response(
        200,
        { ...(await protectedResourceMetadata(platform, '/mcp')), resource_name: 'Portico MCP server' },
        cacheable,
      ),
  }),
];
