import type { ConsumerToken, ConsumerTokenAccessToken, ConsumerTokenCreate, ConsumerTokenUpdate } from 'fusio-sdk';
import { assertRequestableScopes } from '../../accounts/scopes.js';
import { assertTokenHolds, decideScopes, userScopes } from '../../auth/scopes.js';
import type { IssuedToken } from '../../auth/tokens.js';
import { containsIgnoreCase, pageOf } from '../../db/listing.js';
import { Category, type TokenRow, TokenStatus } from '../../db/schema.js';
import { isoDate } from '../../db/values.js';
import { badRequest, notFound } from '../../errors.js';
import { entityRef, paging } from '../../http/query.js';
import { response } from '../../plugins/action.js';
import { findUser } from '../../users/repository.js';
import { message } from '../http.js';
import type { Platform } from '../platform.js';
import { idOrName, type SystemCall, type SystemOperation, systemOperation } from '../system-operation.js';
import { clientName, currentUserId } from './account.js';

/** Personal access tokens: tokens a developer makes for themselves, without an app, in category default. */
const personal = Category.default;
const maxLifetimeMs = 366 * 24 * 60 * 60 * 1000;

function view(row: TokenRow): ConsumerToken {
  return {
    id: row.id,
    status: row.status,
    name: row.name ?? '',
    scopes: row.scope ? row.scope.split(',') : [],
    ip: row.ip,
    expire: isoDate(row.expire),
    date: isoDate(row.created_at),
  };
}

function accessToken(issued: IssuedToken): ConsumerTokenAccessToken {
  return {
    access_token: issued.accessToken,
    token_type: 'bearer',
    expires_in: issued.expiresIn,
    refresh_token: issued.refreshToken,
    scope: issued.listedScopes.join(','),
  };
}

function personalTokens(platform: Platform, userId: number) {
  return platform.db
    .selectFrom('tokens')
    .where('user_id', '=', userId)
    .where('category_id', '=', personal)
    .where('app_id', 'is', null)
    .where('status', '=', TokenStatus.active);
}

async function findToken(call: SystemCall): Promise<TokenRow> {
  const ref = entityRef(call.request.params.token_id);
  const base = personalTokens(call.platform, currentUserId(call)).selectAll();
  const row = await ('id' in ref
    ? base.where('id', '=', ref.id)
    : base.where('name', '=', ref.name)
  ).executeTakeFirst();
  if (!row) throw notFound('Could not find token');
  return row;
}

/** seconds from now until the requested expiry, which must lie within the next year */
function lifetime(expire: unknown): number {
  if (typeof expire !== 'string' || expire === '') throw badRequest('No expire date provided');
  const at = Date.parse(expire);
  if (Number.isNaN(at)) throw badRequest('Expire must be a date, e.g. 2027-01-31 or 2027-01-31T12:00:00Z');
  const ms = at - Date.now();
  if (ms < 60_000) throw badRequest('Expire must be in the future');
  if (ms > maxLifetimeMs) throw badRequest('Expire must be at most one year from now');
  return Math.floor(ms / 1000);
}

function defaultName(call: SystemCall): string {
  return `Personal-Access-Token by ${clientName(call)}`;
}

export const consumerTokenOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.token.getAll',
    method: 'GET',
    path: '/consumer/token',
    description: "The caller's personal access tokens",
    async handler(call) {
      const page = paging(call.request.query);
      let query = personalTokens(call.platform, currentUserId(call));
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      return pageOf(query, page, view);
    },
  }),
  systemOperation({
    name: 'consumer.token.create',
    method: 'POST',
    path: '/consumer/token',
    httpCode: 201,
    description: 'Creates a personal access token',
    incoming: {
      type: 'object',
      properties: {
        name: { type: 'string', maxLength: 255 },
        scopes: { type: 'array', items: { type: 'string' }, maxItems: 256 },
        expire: { type: 'string' },
      },
    },
    async handler(call) {
      const { platform, request } = call;
      const body = request.body as ConsumerTokenCreate;
      const user = await findUser(platform, { id: currentUserId(call) });
      const count = await personalTokens(platform, user.id)
        .where('expire', '>', Date.now())
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      if (Number(count.n) >= platform.settings.number('consumer_max_tokens')) {
        throw badRequest(
          'Maximal amount of tokens reached. Please delete another token in order to generate a new one',
        );
      }
      const scopes = await assertRequestableScopes(platform.db, user, body.scopes ?? [], call.caller.scopes);
      const ttl = lifetime(body.expire);
      const issued = await platform.tokens.issue({
        user: { id: user.id, name: user.name, email: user.email },
        app: null,
        scopes,
        categoryId: personal,
        name: body.name?.trim() || defaultName(call),
        ip: request.ip,
        ttl,
      });
      return response(201, accessToken(issued));
    },
  }),
  systemOperation({
    name: 'consumer.token.get',
    method: 'GET',
    path: `/consumer/token/$token_id<${idOrName}>`,
    description: 'One of the caller’s personal access tokens',
    async handler(call) {
      return view(await findToken(call));
    },
  }),
  systemOperation({
    name: 'consumer.token.update',
    method: 'PUT',
    path: `/consumer/token/$token_id<${idOrName}>`,
    description:
      'Renames a personal access token or changes its expiry: a new access token under the same id, the old one stops working',
    incoming: { type: 'object', properties: { name: { type: 'string', maxLength: 255 }, expire: { type: 'string' } } },
    async handler(call) {
      const { platform, request } = call;
      const body = request.body as ConsumerTokenUpdate;
      const existing = await findToken(call);
      const user = await findUser(platform, { id: existing.user_id });
      // an expiry is part of the signed token: changing it means a new token, and the old one ends
      const ttl = body.expire ? lifetime(body.expire) : Math.floor((existing.expire - Date.now()) / 1000);
      if (ttl <= 0) throw badRequest('The token has expired, create a new one');
      const carried = existing.scope ? existing.scope.split(',') : [];
      // the new token is handed to the caller: a narrower token must not get a broader one this way
      assertTokenHolds(call.caller.scopes, carried);
      const scopes = decideScopes(carried, {
        original: carried,
        user: await userScopes(platform.db, user.id, user.role_id),
      }).granted;
      if (scopes.length === 0) throw badRequest('No valid scope given');
      // the token keeps its id (Fusio's refresh of the row); the old JWT stops working on every node
      const issued = await platform.tokens.reissue(existing.id, {
        user: { id: user.id, name: user.name, email: user.email },
        app: null,
        scopes,
        categoryId: personal,
        name: body.name?.trim() || existing.name || defaultName(call),
        ip: request.ip,
        ttl,
      });
      if (!issued) throw notFound('Could not find token');
      return accessToken(issued);
    },
  }),
  systemOperation({
    name: 'consumer.token.delete',
    method: 'DELETE',
    path: `/consumer/token/$token_id<${idOrName}>`,
    description: 'Revokes one of the caller’s personal access tokens',
    async handler(call) {
      const existing = await findToken(call);
      await call.platform.tokens.revokeWhere({ tokenId: existing.token_id });
      return message('Token successfully deleted', existing.id);
    },
  }),
];
