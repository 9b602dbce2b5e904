import type {
  BackendAccountChangePassword,
  ConsumerUserAccount,
  ConsumerUserActivate,
  ConsumerUserEmail,
  ConsumerUserJWT,
  ConsumerUserLogin,
  ConsumerUserPasswordReset,
  ConsumerUserRefresh,
  ConsumerUserRegister,
} from 'fusio-sdk';
import {
  activateAccount,
  changeOwnPassword,
  executePasswordReset,
  register,
  requestPasswordReset,
  updateOwnAccount,
} from '../../accounts/accounts.js';
import { passwordLogin } from '../../accounts/login.js';
import { decideScopes, userScopes } from '../../auth/scopes.js';
import type { IssuedToken } from '../../auth/tokens.js';
import { Category, TokenStatus, UserStatus } from '../../db/schema.js';
import { isoDate, parseJsonColumn } from '../../db/values.js';
import { badRequest, unauthorized } from '../../errors.js';
import { findUser } from '../../users/repository.js';
import { message } from '../http.js';
import { type SystemCall, type SystemOperation, systemOperation } from '../system-operation.js';

const strings = (...names: string[]) => ({
  type: 'object',
  properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])),
});

export function currentUserId(call: SystemCall): number {
  if (!call.caller.user) throw unauthorized('Missing authorization header');
  return call.caller.user.id;
}

export function clientName(call: SystemCall): string {
  const ua = call.request.headers['user-agent'];
  return `${typeof ua === 'string' && ua !== '' ? ua.slice(0, 160) : 'n/a'} (${call.request.ip})`;
}

function jwt(issued: IssuedToken): ConsumerUserJWT {
  return {
    token: issued.accessToken,
    expires_in: issued.expiresIn,
    refresh_token: issued.refreshToken,
    scope: issued.listedScopes.join(','),
  };
}

export const consumerAccountOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.account.register',
    method: 'POST',
    path: '/consumer/register',
    public: true,
    description: 'Registers a new developer account',
    incoming: strings('name', 'email', 'password', 'captcha'),
    async handler({ platform, request }) {
      const body = request.body as ConsumerUserRegister;
      await register(platform, { ...body, ip: request.ip });
      return message('Registration successful');
    },
  }),
  systemOperation({
    name: 'consumer.account.activate',
    method: 'POST',
    path: '/consumer/activate',
    public: true,
    description: 'Activates a registered account with the token from the activation mail',
    incoming: strings('token'),
    async handler({ platform, request }) {
      await activateAccount(platform, (request.body as ConsumerUserActivate).token);
      return message('Activation successful');
    },
  }),
  systemOperation({
    name: 'consumer.account.login',
    method: 'POST',
    path: '/consumer/login',
    public: true,
    description: 'Logs a developer in with name or email and password',
    incoming: {
      type: 'object',
      properties: {
        username: { type: 'string' },
        password: { type: 'string' },
        scopes: { type: 'array', items: { type: 'string' } },
      },
    },
    async handler(call) {
      const { platform, request } = call;
      const body = request.body as ConsumerUserLogin;
      if (!body.username) throw badRequest('No username provided');
      if (!body.password) throw badRequest('No password provided');
      const result = await passwordLogin(platform, body.username, body.password, request.ip);
      if (result.kind === 'invalid') throw badRequest('Invalid name or password');
      // only someone who knows the password learns that the account is not active
      if (result.kind === 'inactive') throw badRequest('This account is not active');
      const { user } = result;
      const scopes = decideScopes(body.scopes ?? [], {
        user: await userScopes(platform.db, user.id, user.role_id),
      }).granted;
      if (scopes.length === 0) throw badRequest('No valid scope given');
      return jwt(
        await platform.tokens.issue({
          user: { id: user.id, name: user.name, email: user.email },
          app: null,
          scopes,
          categoryId: Category.consumer,
          name: `Consumer Login by ${clientName(call)}`,
          ip: request.ip,
        }),
      );
    },
  }),
  systemOperation({
    name: 'consumer.account.refresh',
    method: 'PUT',
    path: '/consumer/login',
    public: true,
    description: 'Trades a refresh token for a new token pair',
    incoming: strings('refresh_token'),
    async handler(call) {
      const { platform, request } = call;
      const presented = (request.body as ConsumerUserRefresh).refresh_token;
      if (!presented) throw badRequest('No refresh token provided');
      const row = await platform.tokens.findByRefreshToken(presented);
      // an app's tokens are refreshed at /authorization/token, where the app proves itself
      if (!row || row.app_id !== null) throw badRequest('Invalid refresh token');
      if (row.status !== TokenStatus.active) {
        // a refresh token used twice leaked (or the client is broken): its whole family ends (RFC 9700 §4.14)
        if (row.family) await platform.tokens.revokeWhere({ family: row.family });
        throw badRequest('Invalid refresh token');
      }
      if (row.created_at + platform.tokens.refreshLifetime() * 1000 < Date.now()) {
        throw badRequest('Refresh token is expired');
      }
      const user = await platform.db.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
      if (!user || user.status !== UserStatus.active) throw badRequest('Invalid user status');
      // a role that lost a scope since the login does not keep it through refreshes
      const original = row.scope ? row.scope.split(',') : [];
      const scopes = decideScopes([], {
        original,
        user: await userScopes(platform.db, user.id, user.role_id),
      }).granted;
      if (scopes.length === 0) throw badRequest('No valid scope given');
      if (!(await platform.tokens.retireForRotation(row.id))) {
        // another request won the race with the same refresh token: a replay
        if (row.family) await platform.tokens.revokeWhere({ family: row.family });
        throw badRequest('Invalid refresh token');
      }
      return jwt(
        await platform.tokens.issue({
          user: { id: user.id, name: user.name, email: user.email },
          app: null,
          scopes,
          categoryId: row.category_id,
          // a personal access token keeps the name its owner gave it
          name: row.category_id === Category.consumer ? `Consumer Refresh by ${clientName(call)}` : (row.name ?? ''),
          ip: request.ip,
          family: row.family ?? undefined,
        }),
      );
    },
  }),
  systemOperation({
    name: 'consumer.account.requestPasswordReset',
    method: 'POST',
    path: '/consumer/password_reset',
    public: true,
    description: 'Mails a password reset link, if the address belongs to an account',
    incoming: strings('email', 'captcha'),
    async handler({ platform, request }) {
      const body = request.body as ConsumerUserEmail;
      await requestPasswordReset(platform, body.email, body.captcha, request.ip);
      return message('If the address belongs to an account, a password reset mail is on its way');
    },
  }),
  systemOperation({
    name: 'consumer.account.executePasswordReset',
    method: 'PUT',
    path: '/consumer/password_reset',
    public: true,
    description: 'Sets a new password with the token from the password reset mail',
    incoming: strings('token', 'newPassword'),
    async handler({ platform, request }) {
      const body = request.body as ConsumerUserPasswordReset;
      await executePasswordReset(platform, body.token, body.newPassword);
      return message('Password successfully changed');
    },
  }),
  systemOperation({
    name: 'consumer.account.get',
    method: 'GET',
    path: '/consumer/account',
    description: 'The account of the caller',
    async handler(call) {
      const { platform } = call;
      const row = await findUser(platform, { id: currentUserId(call) });
      const account: ConsumerUserAccount = {
        id: row.id,
        status: row.status,
        name: row.name,
        scopes: await userScopes(platform.db, row.id, row.role_id),
        date: isoDate(row.created_at),
      };
      if (row.plan_id !== null) account.planId = row.plan_id;
      if (row.email !== null) account.email = row.email;
      if (row.points !== null) account.points = row.points;
      const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
      if (metadata) account.metadata = metadata;
      return account;
    },
  }),
  systemOperation({
    name: 'consumer.account.update',
    method: 'PUT',
    path: '/consumer/account',
    description: 'Changes the email address of the caller',
    incoming: { type: 'object', properties: { email: { type: 'string' } } },
    async handler(call) {
      const id = currentUserId(call);
      await updateOwnAccount(call.platform, id, (call.request.body as ConsumerUserAccount).email);
      return message('Account successfully updated', id);
    },
  }),
  systemOperation({
    name: 'consumer.account.changePassword',
    method: 'PUT',
    path: '/consumer/account/change_password',
    description: 'Changes the password of the caller',
    incoming: {
      ...strings('oldPassword', 'newPassword', 'verifyPassword'),
      required: ['oldPassword', 'newPassword', 'verifyPassword'],
    },
    async handler(call) {
      const body = call.request.body as BackendAccountChangePassword;
      await changeOwnPassword(
        call.platform,
        { userId: currentUserId(call), tokenId: call.caller.token?.tokenId, ip: call.request.ip },
        body,
      );
      return message('Password successfully changed');
    },
  }),
];
