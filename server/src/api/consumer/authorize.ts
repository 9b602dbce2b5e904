import type { ConsumerAuthorizeRequest } from 'fusio-sdk';
import { forbidden, notFound } from '../../errors.js';
import { queryString } from '../../http/query.js';
import { authorizationInputFromBody, consentMeta, decideAuthorization } from '../../oauth/authorize.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

const authorizeBody = {
  type: 'object',
  properties: {
    responseType: { type: 'string' },
    clientId: { type: 'string' },
    redirectUri: { type: 'string' },
    scope: { type: 'string' },
    state: { type: 'string' },
    allow: { type: 'boolean' },
    // PKCE and OpenID Connect, beyond fusio-sdk's ConsumerAuthorizeRequest
    codeChallenge: { type: 'string', maxLength: 128 },
    codeChallengeMethod: { type: 'string', maxLength: 16 },
    nonce: { type: 'string', maxLength: 255 },
  },
};

/** The consent step of the authorization code flow, as the developer portal drives it (Fusio's account.getApp/authorize). */
export const consumerAuthorizeOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.account.getApp',
    method: 'GET',
    path: '/consumer/authorize',
    // as in Fusio: the consent page may show the app before the user has logged in
    public: true,
    description: 'Returns information about a specific app to start the OAuth2 authorization code flow',
    async handler({ platform, request }) {
      const meta = await consentMeta(
        platform,
        queryString(request.query, 'client_id'),
        queryString(request.query, 'scope'),
      );
      if (!meta) throw notFound('Provided client id does not exist');
      return meta;
    },
  }),
  systemOperation({
    name: 'consumer.account.authorize',
    method: 'POST',
    path: '/consumer/authorize',
    incoming: authorizeBody,
    description: 'Authorizes the access of a specific app for the authenticated user',
    async handler({ platform, request, caller }) {
      // consent comes from the user's own session, never from a token some app holds for them
      if (!caller.user || !caller.token || caller.app) {
        throw forbidden('Only the user, logged in to the developer portal, can authorize an app');
      }
      const body = request.body as ConsumerAuthorizeRequest & Record<string, unknown>;
      return decideAuthorization(
        platform,
        { id: caller.user.id, authTime: caller.token.issuedAt ?? null, tokenScopes: caller.scopes },
        authorizationInputFromBody(body),
        body.allow === true,
      );
    },
  }),
];
