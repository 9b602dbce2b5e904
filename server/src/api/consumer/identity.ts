import type { ConsumerIdentity, ConsumerUserJWT } from 'fusio-sdk';
import { decideScopes, userScopes } from '../../auth/scopes.js';
import { collection } from '../../db/listing.js';
import { Category } from '../../db/schema.js';
import { badRequest } from '../../errors.js';
import { entityRef, paging, queryInt, queryString } from '../../http/query.js';
import { redirectUrl } from '../../identity/identities.js';
import { finishLogin, startLogin } from '../../identity/login.js';
import { response } from '../../plugins/action.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';
import { clientName } from './account.js';

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * Social login for the developer portal (Fusio's consumer identity API):
 *
 * 1. the portal lists the providers (`GET /consumer/identity`) and sends the browser to an entry's
 *    `redirect` URL, adding `?redirect_uri=<portal callback>` (same scheme, host and port as the
 *    identity's app URL);
 * 2. Portico stores a pending login (state, nonce, PKCE verifier; 10 minutes, single use), sets a cookie
 *    that ties it to this browser and redirects to the provider;
 * 3. the provider sends the browser to `/consumer/identity/<id>/exchange` — the redirect URI to register
 *    at the provider — where Portico redeems the code, checks the ID token and finds, links or creates
 *    the account;
 * 4. the browser goes to the portal's callback with the token in the URL *fragment*:
 *    `#access_token=…&token_type=bearer&expires_in=…&refresh_token=…&scope=…`. Fusio puts these into the
 *    query string; the fragment keeps tokens out of server logs, proxies and Referer headers, and a
 *    portal reads it the same way (`location.hash` instead of `location.search`). A login started
 *    without redirect_uri answers the exchange with ConsumerUserJWT as JSON.
 */
export const consumerIdentityOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.identity.getAll',
    method: 'GET',
    path: '/consumer/identity',
    public: true,
    description: 'The identity providers a developer can log in with (optionally only those of one app)',
    async handler({ platform, request }) {
      const page = paging(request.query);
      const { total, rows } = await platform.identities.offered(platform.db, page, {
        appId: queryInt(request.query, 'appId'),
        appKey: queryString(request.query, 'appKey'),
      });
      return collection(
        total,
        page,
        rows.map((row): ConsumerIdentity => {
          const entry: ConsumerIdentity = {
            id: row.id,
            name: row.name,
            redirect: redirectUrl(platform.config.publicUrl, row.id),
          };
          if (row.icon !== null) entry.icon = row.icon;
          return entry;
        }),
      );
    },
  }),
  systemOperation({
    name: 'consumer.identity.redirect',
    method: 'GET',
    path: '/consumer/identity/:identity/redirect',
    public: true,
    description: 'Sends the browser to the identity provider; redirect_uri is where the portal wants the token',
    async handler({ platform, request }) {
      const identity = await platform.identities.find(platform.db, entityRef(request.params.identity));
      const started = await startLogin(platform, identity, queryString(request.query, 'redirect_uri'));
      return response(302, undefined, { location: started.location, 'set-cookie': started.setCookie, ...noStore });
    },
  }),
  systemOperation({
    name: 'consumer.identity.exchange',
    method: 'GET',
    path: '/consumer/identity/:identity/exchange',
    public: true,
    description:
      'The identity provider callback: logs the developer in and redirects to the portal with the token in the URL fragment',
    async handler(call) {
      const { platform, request } = call;
      const identity = await platform.identities.find(platform.db, entityRef(request.params.identity));
      const login = await finishLogin(platform, identity, request.query, request.headers.cookie);
      const { user } = login;
      const scopes = decideScopes([], { user: await userScopes(platform.db, user.id, user.role_id) }).granted;
      if (scopes.length === 0) throw badRequest('No valid scope given');
      const issued = await platform.tokens.issue({
        user: { id: user.id, name: user.name, email: user.email },
        app: null,
        scopes,
        categoryId: Category.consumer,
        name: `Identity Provider ${identity.name} by ${clientName(call)}`,
        ip: request.ip,
      });
      const headers = { ...noStore, 'set-cookie': login.clearCookie };
      if (login.redirectUri === null) {
        const jwt: ConsumerUserJWT = {
          token: issued.accessToken,
          expires_in: issued.expiresIn,
          refresh_token: issued.refreshToken,
          scope: issued.listedScopes.join(','),
        };
        return response(200, jwt, headers);
      }
      const target = new URL(login.redirectUri);
      target.hash = new URLSearchParams({
        access_token: issued.accessToken,
        token_type: 'bearer',
        expires_in: String(issued.expiresIn),
        refresh_token: issued.refreshToken,
        scope: issued.listedScopes.join(','),
      }).toString();
      return response(302, undefined, { ...headers, location: target.toString(), 'referrer-policy': 'no-referrer' });
    },
  }),
];
