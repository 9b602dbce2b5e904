import { signingAlg } from '../auth/keys.js';
import { openidScope } from '../auth/scopes.js';
import { platformCategoryIds, Status } from '../db/schema.js';
import type { OAuthDeps } from './deps.js';
import { supportedGrantTypes } from './token-endpoint.js';

/** Where the endpoints live, from the issuer (the public URL every token names as `iss`). */
export function endpoints(issuer: string) {
  return {
    authorization: `${issuer}/authorization/authorize`,
    token: `${issuer}/authorization/token`,
    revocation: `${issuer}/authorization/revoke`,
    introspection: `${issuer}/authorization/introspect`,
    userinfo: `${issuer}/authorization/userinfo`,
    jwks: `${issuer}/authorization/jwks`,
  };
}

/** Scopes a client may ask for: the API's own (category default, as Fusio lists them) and `openid`. */
async function publicScopes(deps: OAuthDeps): Promise<string[]> {
  const rows = await deps.db
    .selectFrom('scopes')
    .select('name')
    .where('category_id', 'not in', [...platformCategoryIds])
    .where('status', '=', Status.active)
    .orderBy('name')
    .execute();
  return [openidScope, ...rows.map((r) => r.name).filter((n) => n !== openidScope)];
}

/** RFC 8414 authorization server metadata. */
export async function authorizationServerMetadata(deps: OAuthDeps): Promise<Record<string, unknown>> {
  const issuer = deps.tokens.issuerUrl();
  const at = endpoints(issuer);
  const clientAuth = ['client_secret_basic', 'client_secret_post', 'none'];
  return {
    issuer,
    authorization_endpoint: at.authorization,
    token_endpoint: at.token,
    jwks_uri: at.jwks,
    userinfo_endpoint: at.userinfo,
    revocation_endpoint: at.revocation,
    introspection_endpoint: at.introspection,
    scopes_supported: await publicScopes(deps),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...supportedGrantTypes],
    token_endpoint_auth_methods_supported: clientAuth,
    revocation_endpoint_auth_methods_supported: clientAuth,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${issuer}/system/openapi`,
  };
}

/** OpenID Connect Discovery 1.0: the same server, plus what a relying party needs for id_tokens. */
export async function openidConfiguration(deps: OAuthDeps): Promise<Record<string, unknown>> {
  return {
    ...(await authorizationServerMetadata(deps)),
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [signingAlg],
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'at_hash',
      'azp',
      'name',
      'preferred_username',
      'email',
    ],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
}

/**
 * RFC 9728 protected resource metadata: this API (or the resource at `path` under it, `/mcp`) accepts tokens
 * from this authorization server.
 */
export async function protectedResourceMetadata(deps: OAuthDeps, path = ''): Promise<Record<string, unknown>> {
  const issuer = deps.tokens.issuerUrl();
  return {
    resource: `${issuer}${path}`,
    authorization_servers: [issuer],
    jwks_uri: endpoints(issuer).jwks,
    scopes_supported: await publicScopes(deps),
    bearer_methods_supported: ['header'],
  };
}
