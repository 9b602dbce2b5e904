import type { BackendApp } from 'fusio-sdk';
import { appView, createApp, deleteApp, findApp, updateApp } from '../../apps/repository.js';
import { appScopes, assertMayGrantAdministrative } from '../../auth/scopes.js';
import { containsIgnoreCase, pageOf } from '../../db/listing.js';
import { AppStatus, TokenStatus } from '../../db/schema.js';
import { isoDate, parseJsonColumn } from '../../db/values.js';
import { notFound } from '../../errors.js';
import { entityRef, paging } from '../../http/query.js';
import { response } from '../../plugins/action.js';
import { message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const appBody = {
  type: 'object',
  properties: {
    userId: { type: 'integer' },
    status: { type: 'integer' },
    name: { type: 'string' },
    url: { type: 'string' },
    parameters: { type: ['string', 'null'] },
    scopes: { type: 'array', items: { type: 'string' } },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

export const appOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.app.getAll',
    method: 'GET',
    path: '/backend/app',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('apps').where('status', '!=', AppStatus.deleted);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      return pageOf(query, page, (row): BackendApp => {
        const app: BackendApp = {
          id: row.id,
          userId: row.user_id,
          status: row.status,
          name: row.name,
          url: row.url,
          appKey: row.app_key,
          date: isoDate(row.created_at),
        };
        const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
        if (metadata) app.metadata = metadata;
        return app;
      });
    },
  }),
  systemOperation({
    name: 'backend.app.create',
    method: 'POST',
    path: '/backend/app',
    httpCode: 201,
    incoming: { ...appBody, required: ['userId', 'name'] },
    async handler(call) {
      const { platform, request, caller } = call;
      const body = request.body as BackendApp;
      assertMayGrantAdministrative(caller.scopes, body.scopes ?? []);
      const app = await createApp(
        platform,
        {
          userId: body.userId,
          status: body.status,
          name: body.name,
          url: body.url,
          parameters: body.parameters,
          scopes: body.scopes,
          metadata: body.metadata,
        },
        call,
      );
      // the secret is only stored as a digest: this response is the one chance to read it
      return response(201, {
        ...message('App successfully created', app.id),
        appKey: app.appKey,
        appSecret: app.appSecret,
      });
    },
  }),
  systemOperation({
    name: 'backend.app.get',
    method: 'GET',
    path: `/backend/app/$app_id<${idOrName}>`,
    async handler({ platform, request }) {
      return appView(platform, await findApp(platform, entityRef(request.params.app_id)), true);
    },
  }),
  systemOperation({
    name: 'backend.app.update',
    method: 'PUT',
    path: `/backend/app/$app_id<${idOrName}>`,
    incoming: appBody,
    async handler(call) {
      const { platform, request, caller } = call;
      const body = request.body as BackendApp;
      const existing = await findApp(platform, entityRef(request.params.app_id));
      assertMayGrantAdministrative(caller.scopes, [
        ...(body.scopes ?? []),
        ...(await appScopes(platform.db, existing.id)),
      ]);
      const id = await updateApp(
        platform,
        { id: existing.id },
        {
          status: body.status,
          name: body.name,
          url: body.url,
          parameters: body.parameters,
          scopes: body.scopes,
          metadata: body.metadata,
        },
        { origin: call },
      );
      return message('App successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.app.delete',
    method: 'DELETE',
    path: `/backend/app/$app_id<${idOrName}>`,
    async handler(call) {
      const id = await deleteApp(call.platform, entityRef(call.request.params.app_id), { origin: call });
      return message('App successfully deleted', id);
    },
  }),
  systemOperation({
    name: 'backend.app.deleteToken',
    method: 'DELETE',
    path: '/backend/app/$app_id<[0-9]+>/token/:token_id',
    async handler({ platform, request }) {
      const app = await findApp(platform, entityRef(request.params.app_id));
      const tokenId = Number(request.params.token_id);
      const token = await platform.db
        .selectFrom('tokens')
        .select(['id', 'token_id'])
        .where('id', '=', Number.isInteger(tokenId) ? tokenId : -1)
        .where('app_id', '=', app.id)
        .where('status', '=', TokenStatus.active)
        .executeTakeFirst();
      if (!token) throw notFound('Could not find token');
      await platform.tokens.revokeWhere({ tokenId: token.token_id });
      return message('Token successfully removed', token.id);
    },
  }),
];
