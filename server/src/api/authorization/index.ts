import { invalidToken } from '../../auth/tokens.js';
import { UserStatus } from '../../db/schema.js';
import { badRequest } from '../../errors.js';
import {
  AuthorizationError,
  authorizationInputFromQuery,
  redirectWith,
  validateAuthorizationRequest,
} from '../../oauth/authorize.js';
import { authenticateClient, basicCredentials, bodyField, presentedCredentials } from '../../oauth/clients.js';
import { asOAuthResponse, noStore, oauthError } from '../../oauth/errors.js';
import { authenticateIntrospector, introspectToken, revokePresentedToken } from '../../oauth/introspection.js';
import { userClaims } from '../../oauth/oidc-id-token.js';
import { tokenEndpoint } from '../../oauth/token-endpoint.js';
import { response } from '../../plugins/action.js';
import { findUser, userView } from '../../users/repository.js';
import { type SystemCall, type SystemOperation, systemOperation } from '../system-operation.js';

/** The consent page: the `authorization_url` setting, else the developer portal's. */
function consentPage(call: SystemCall): string {
  const configured = call.platform.settings.string('authorization_url').trim();
  return configured !== '' ? configured : `${call.platform.config.publicUrl}/apps/developer/authorize`;
}

function withQuery(url: string, query: Readonly<Record<string, string | string[] | undefined>>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) params.append(name, v);
  }
  const search = params.toString();
  if (search === '') return url;
  return `${url}${url.includes('?') ? '&' : '?'}${search}`;
}

/** userinfo (OIDC Core §5.3): the claims of the token's user, for tokens granted `openid`. */
async function userinfo({ platform, caller }: SystemCall) {
  const user = await platform.db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'status'])
    .where('id', '=', caller.user?.id ?? 0)
    .executeTakeFirst();
  if (!user || user.status !== UserStatus.active) throw invalidToken('The user of this token is not active');
  return response(200, userClaims(user), { ...noStore });
}

export const authorizationOperations: SystemOperation[] = [
  systemOperation({
    name: 'authorization.token',
    method: 'POST',
    path: '/authorization/token',
    public: true,
    description: 'OAuth2 token endpoint (RFC 6749): client_credentials, authorization_code with PKCE, refresh_token',
    handler: ({ platform, request }) => tokenEndpoint(platform, request),
  }),
  systemOperation({
    name: 'authorization.authorize',
    method: 'GET',
    path: '/authorization/authorize',
    public: true,
    description: 'OAuth2 authorization endpoint: checks the request and sends the browser to the consent page',
    async handler(call) {
      const input = authorizationInputFromQuery(call.request.query);
      try {
        await validateAuthorizationRequest(call.platform.db, input);
      } catch (error) {
        if (!(error instanceof AuthorizationError)) throw error;
        // no trustworthy redirect URI: tell the user agent itself (RFC 6749 §4.1.2.1)
        if (error.redirectUri === null) return oauthError(400, error.type, error.description);
        const location = redirectWith(error.redirectUri, {
          error: error.type,
          error_description: error.description,
          state: input.state,
          iss: call.platform.config.publicUrl,
        });
        return response(302, undefined, { location, ...noStore });
      }
      return response(302, undefined, { location: withQuery(consentPage(call), call.request.query), ...noStore });
    },
  }),
  systemOperation({
    name: 'authorization.getWhoami',
    method: 'GET',
    path: '/authorization/whoami',
    description: 'The user the token belongs to',
    async handler({ platform, caller }) {
      const user = await findUser(platform, { id: caller.user?.id ?? 0 });
      return userView(platform, user, false);
    },
  }),
  systemOperation({
    name: 'authorization.revoke',
    method: 'POST',
    path: '/authorization/revoke',
    public: true,
    description:
      'Revokes a token: RFC 7009 (token and client authentication in the request), or the bearer token used to call it',
    async handler({ platform, request, caller }) {
      const token = bodyField(request.body, 'token');
      const clientAuthenticates =
        basicCredentials(request.headers.authorization) !== null || bodyField(request.body, 'client_id') !== undefined;
      if (token !== undefined || clientAuthenticates) {
        return asOAuthResponse(async () => {
          const credentials = presentedCredentials(request.headers.authorization, request.body);
          const client = await authenticateClient(platform.db, credentials);
          await revokePresentedToken(platform, client, token, bodyField(request.body, 'token_type_hint'));
          return response(200, { success: true }, { ...noStore });
        });
      }
      // fusio-sdk's revoke(): no body, the bearer token revokes itself
      if (caller.token) {
        await platform.tokens.revokeWhere({ tokenId: caller.token.tokenId });
        return { success: true };
      }
      const authorization = request.headers.authorization;
      if (typeof authorization === 'string' && /^bearer /i.test(authorization)) throw invalidToken();
      throw badRequest('Invalid token');
    },
  }),
  systemOperation({
    name: 'authorization.introspect',
    method: 'POST',
    path: '/authorization/introspect',
    public: true,
    description: 'Token introspection (RFC 7662) for resource servers; needs client authentication',
    handler: ({ platform, request }) =>
      asOAuthResponse(async () => {
        const client = await authenticateIntrospector(
          platform,
          presentedCredentials(request.headers.authorization, request.body),
        );
        const answer = await introspectToken(
          platform,
          client,
          bodyField(request.body, 'token'),
          bodyField(request.body, 'token_type_hint'),
        );
        return response(200, answer, { ...noStore });
      }),
  }),
  systemOperation({
    name: 'authorization.getJwks',
    method: 'GET',
    path: '/authorization/jwks',
    public: true,
    description: 'The public keys that verify tokens and id_tokens (JSON Web Key Set)',
    handler: ({ platform }) =>
      // short caching: a client that meets a new kid fetches again anyway
      response(200, platform.keys.jwks(), {
        'content-type': 'application/jwk-set+json',
        'cache-control': 'public, max-age=300',
      }),
  }),
  systemOperation({
    name: 'authorization.getUserinfo',
    method: 'GET',
    path: '/authorization/userinfo',
    scope: 'openid',
    description: 'OpenID Connect userinfo: claims about the user of a token granted the openid scope',
    handler: userinfo,
  }),
  systemOperation({
    name: 'authorization.postUserinfo',
    method: 'POST',
    path: '/authorization/userinfo',
    scope: 'openid',
    description: 'OpenID Connect userinfo (POST form)',
    handler: userinfo,
  }),
];
