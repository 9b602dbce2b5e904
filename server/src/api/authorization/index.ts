import { response } from '../../actions/action.js';
import { appScopes, grantScopes, splitScopes, userScopes } from '../../auth/scopes.js';
import { matchesDigest } from '../../auth/secrets.js';
import { AppStatus, Category, TokenStatus, UserStatus } from '../../db/schema.js';
import { badRequest } from '../../errors.js';
import { authenticateUser, findUser, userView } from '../../services/users.js';
import { type SystemCall, type SystemOperation, systemOperation } from '../system-operation.js';

/** RFC 6749 §5.2 errors, as Fusio's token endpoint sends them. */
function oauthError(status: number, error: string, description: string, challenge = false) {
  const headers: Record<string, string> = { 'cache-control': 'no-store', pragma: 'no-cache' };
  if (challenge) headers['www-authenticate'] = 'Basic realm="Portico"';
  return response(status, { error, error_description: description }, headers);
}

function basicCredentials(header: string | string[] | undefined): { id: string; secret: string } | null {
  if (typeof header !== 'string' || !/^basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return {
    id: decodeURIComponentSafe(decoded.slice(0, colon)),
    secret: decodeURIComponentSafe(decoded.slice(colon + 1)),
  };
}

/** RFC 6749 §2.3.1 form-encodes client ids and secrets before Basic; plain ones pass through unchanged. */
function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    return value;
  }
}

function field(body: unknown, name: string): string | undefined {
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function tokenResponse(issued: { accessToken: string; refreshToken: string; expiresIn: number; scopes: string[] }) {
  return response(
    200,
    {
      access_token: issued.accessToken,
      token_type: 'bearer',
      expires_in: issued.expiresIn,
      refresh_token: issued.refreshToken,
      scope: issued.scopes.join(','),
    },
    { 'cache-control': 'no-store', pragma: 'no-cache' },
  );
}

function userAgent(call: SystemCall): string {
  const ua = call.request.headers['user-agent'];
  return typeof ua === 'string' && ua !== '' ? ua : 'unknown client';
}

/** client_credentials: an app's key and secret, or a user's name/email and password (how admins log in). */
async function clientCredentials(call: SystemCall) {
  const { platform, request } = call;
  const credentials = basicCredentials(request.headers.authorization);
  if (!credentials) return oauthError(400, 'invalid_request', 'Credentials not available');
  const requested = splitScopes(field(request.body, 'scope'));
  const app = await platform.db.selectFrom('apps').selectAll().where('app_key', '=', credentials.id).executeTakeFirst();
  if (app && matchesDigest(credentials.secret, app.app_secret)) {
    if (app.status !== AppStatus.active) return oauthError(400, 'invalid_client', 'Invalid app status');
    const user = await platform.db.selectFrom('users').selectAll().where('id', '=', app.user_id).executeTakeFirst();
    if (!user || user.status !== UserStatus.active) return oauthError(400, 'invalid_client', 'Invalid user status');
    const scopes = grantScopes(
      requested,
      await appScopes(platform.db, app.id),
      await userScopes(platform.db, user.id, user.role_id),
    );
    if (scopes.length === 0) return oauthError(400, 'invalid_scope', 'No valid scope given');
    return tokenResponse(
      await platform.tokens.issue({
        user: { id: user.id, name: user.name, email: user.email },
        app: { id: app.id, key: app.app_key },
        scopes,
        categoryId: Category.authorization,
        name: userAgent(call),
        ip: request.ip,
      }),
    );
  }
  const user = app ? null : await authenticateUser(platform, credentials.id, credentials.secret);
  if (!user) return oauthError(401, 'invalid_client', 'Unknown credentials', true);
  const scopes = grantScopes(requested, await userScopes(platform.db, user.id, user.role_id));
  if (scopes.length === 0) return oauthError(400, 'invalid_scope', 'No valid scope given');
  return tokenResponse(
    await platform.tokens.issue({
      user: { id: user.id, name: user.name, email: user.email },
      app: null,
      scopes,
      categoryId: Category.authorization,
      name: userAgent(call),
      ip: request.ip,
    }),
  );
}

/** refresh_token: trades a refresh token for a new token pair; the old pair stops working. */
async function refreshToken(call: SystemCall) {
  const { platform, request } = call;
  const presented = field(request.body, 'refresh_token');
  if (!presented) return oauthError(400, 'invalid_request', 'Refresh token not available');
  const row = await platform.tokens.findByRefreshToken(presented);
  if (!row || row.status !== TokenStatus.active) return oauthError(400, 'invalid_grant', 'Invalid refresh token');
  if (row.created_at + platform.tokens.refreshLifetime() * 1000 < Date.now()) {
    return oauthError(400, 'invalid_grant', 'Refresh token is expired');
  }
  const credentials = basicCredentials(request.headers.authorization);
  let app: { id: number; key: string } | null = null;
  if (row.app_id !== null) {
    const appRow = await platform.db.selectFrom('apps').selectAll().where('id', '=', row.app_id).executeTakeFirst();
    if (!appRow || appRow.status !== AppStatus.active) return oauthError(400, 'invalid_grant', 'Invalid app status');
    // a confidential client proves itself again; an app's refresh token is useless to anyone else
    if (credentials && credentials.id === appRow.app_key && !matchesDigest(credentials.secret, appRow.app_secret)) {
      return oauthError(401, 'invalid_client', 'Unknown credentials', true);
    }
    app = { id: appRow.id, key: appRow.app_key };
  }
  const user = await platform.db.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
  if (!user || user.status !== UserStatus.active) return oauthError(400, 'invalid_grant', 'Invalid user status');
  await platform.tokens.revokeWhere({ tokenId: row.token_id });
  return tokenResponse(
    await platform.tokens.issue({
      user: { id: user.id, name: user.name, email: user.email },
      app,
      scopes: row.scope ? row.scope.split(',') : [],
      categoryId: row.category_id,
      name: row.name ?? userAgent(call),
      ip: request.ip,
    }),
  );
}

export const authorizationOperations: SystemOperation[] = [
  systemOperation({
    name: 'authorization.token',
    method: 'POST',
    path: '/authorization/token',
    public: true,
    description: 'OAuth2 token endpoint (RFC 6749)',
    async handler(call) {
      const grant = field(call.request.body, 'grant_type');
      switch (grant) {
        case 'client_credentials':
          return clientCredentials(call);
        case 'refresh_token':
          return refreshToken(call);
        case undefined:
          return oauthError(400, 'invalid_request', 'Grant type not available');
        default:
          return oauthError(400, 'unsupported_grant_type', 'Invalid grant type');
      }
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
    description: 'Revokes the token used to call it',
    async handler({ platform, caller }) {
      if (!caller.token) throw badRequest('Invalid token');
      await platform.tokens.revokeWhere({ tokenId: caller.token.tokenId });
      return { success: true };
    },
  }),
];
