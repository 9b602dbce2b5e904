import type { BackendApp } from 'fusio-sdk';
import { type AppInput, appView, findApp, type NewApp } from '../../apps/repository.js';
import { appScopes, assertMayGrantAdministrative } from '../../auth/scopes.js';
import { type AppRow, TokenStatus } from '../../db/schema.js';
import { isoDate, parseJsonColumn } from '../../db/values.js';
import { notFound } from '../../errors.js';
import { entityRef } from '../../http/query.js';
import { response } from '../../plugins/action.js';
import { metadataField, nameField } from '../../schema/fragments.js';
import { entityOperations } from '../crud.js';
import { message } from '../http.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

const appBody = {
  type: 'object',
  properties: {
    userId: { type: 'integer' },
    status: { type: 'integer' },
    name: nameField('app', { max: 64, also: ' -_.' }),
    url: { type: 'string' },
    parameters: { type: ['string', 'null'] },
    scopes: { type: 'array', items: { type: 'string' } },
    metadata: metadataField,
  },
};

function summary(row: AppRow): BackendApp {
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
}

export const appOperations: SystemOperation[] = [
  ...entityOperations<AppRow, NewApp, AppInput>({
    entity: 'app',
    label: 'App',
    store: (platform) => platform.apps,
    body: appBody,
    required: ['userId', 'name'],
    summary,
    detail: (row, platform) => appView(platform, row, true),
    prepare: {
      create(raw, { platform, caller }) {
        const body = raw as BackendApp;
        assertMayGrantAdministrative(caller.scopes, body.scopes ?? []);
        return platform.apps.prepare({
          userId: body.userId,
          status: body.status,
          name: body.name,
          url: body.url,
          parameters: body.parameters,
          scopes: body.scopes,
          metadata: body.metadata,
        });
      },
      async update(raw, { platform, caller }, ref) {
        const body = raw as BackendApp;
        // neither hand out nor take away administrative rights the caller's token does not hold
        const existing = await platform.apps.find(platform.db, ref);
        assertMayGrantAdministrative(caller.scopes, [
          ...(body.scopes ?? []),
          ...(await appScopes(platform.db, existing.id)),
        ]);
        return {
          status: body.status,
          name: body.name,
          url: body.url,
          parameters: body.parameters,
          scopes: body.scopes,
          metadata: body.metadata,
        };
      },
    },
    // the secret is only stored as a digest: this answer is the one chance to read it
    created: (id, app) =>
      response(201, { ...message('App successfully created', id), appKey: app.appKey, appSecret: app.appSecret }),
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
