import type { BackendConnectionRedirectResponse, CommonMessage } from 'fusio-sdk';
import { badRequest } from '../../errors.js';
import { queryString } from '../../http/query.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';
import { connectionRef } from './connection.js';

/**
 * The OAuth2 authorization code flow of a connection (Fusio's Connection\Token): the admin app opens the
 * redirect, the administrator consents at the provider, the provider sends the browser to the callback.
 */
export const connectionOAuthOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.connection.getRedirect',
    method: 'GET',
    path: '/backend/connection/:connection_id/redirect',
    description:
      "The provider's authorization URL for a connection that authorizes with an OAuth2 authorization code; its state is signed and good for ten minutes",
    async handler({ platform, request }): Promise<BackendConnectionRedirectResponse> {
      return { redirectUri: await platform.connectionTokens.redirect(connectionRef(request.params.connection_id)) };
    },
  }),
  systemOperation({
    name: 'system.connection.callback',
    method: 'GET',
    path: '/system/connection/:name/callback',
    public: true,
    description:
      'Where the OAuth2 provider sends the administrator back: the code is traded for tokens, kept encrypted with the connection',
    async handler({ platform, request }): Promise<CommonMessage> {
      const error = queryString(request.query, 'error');
      if (error) throw badRequest(`The provider refused the authorization: ${error.slice(0, 64)}`);
      await platform.connectionTokens.callback(
        request.params.name ?? '',
        queryString(request.query, 'code'),
        queryString(request.query, 'state'),
      );
      return { success: true, message: 'Access token successfully obtained, you can now close this window' };
    },
  }),
];
