import type { ConsumerApp, ConsumerAppCreate, ConsumerAppUpdate } from 'fusio-sdk';
import { assertRequestableScopes } from '../../accounts/scopes.js';
import { createApp, deleteApp, findApp, regenerateAppSecret, updateApp } from '../../apps/repository.js';
import { appScopes, assertTokenHolds } from '../../auth/scopes.js';
import { containsIgnoreCase, pageOf } from '../../db/listing.js';
import { type AppRow, AppStatus } from '../../db/schema.js';
import { isoDate, parseJsonColumn } from '../../db/values.js';
import { badRequest } from '../../errors.js';
import { entityRef, paging } from '../../http/query.js';
import { response } from '../../plugins/action.js';
import { nameField } from '../../schema/fragments.js';
import { findUser } from '../../users/repository.js';
import { message } from '../http.js';
import type { Platform } from '../platform.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';
import { currentUserId } from './account.js';

const appBody = {
  type: 'object',
  properties: {
    name: nameField('app', { max: 64, also: ' -_.' }),
    url: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' }, maxItems: 256 },
  },
};

function summary(row: AppRow): ConsumerApp {
  const app: ConsumerApp = {
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

async function countApps(platform: Platform, userId: number): Promise<number> {
  const row = await platform.db
    .selectFrom('apps')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('status', '!=', AppStatus.deleted)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export const consumerAppOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.app.getAll',
    method: 'GET',
    path: '/consumer/app',
    description: "The caller's apps",
    async handler(call) {
      const page = paging(call.request.query);
      let query = call.platform.db
        .selectFrom('apps')
        .where('user_id', '=', currentUserId(call))
        .where('status', '!=', AppStatus.deleted);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      return pageOf(query, page, summary);
    },
  }),
  systemOperation({
    name: 'consumer.app.create',
    method: 'POST',
    path: '/consumer/app',
    httpCode: 201,
    description: 'Creates an app; its secret is in this response only',
    incoming: { ...appBody, required: ['name'] },
    async handler(call) {
      const { platform } = call;
      const body = call.request.body as ConsumerAppCreate;
      const user = await findUser(platform, { id: currentUserId(call) });
      const max = platform.settings.number('consumer_max_apps');
      if ((await countApps(platform, user.id)) >= max) {
        throw badRequest('Maximal amount of apps reached. Please delete another app in order to create a new one');
      }
      const scopes = await assertRequestableScopes(platform.db, user, body.scopes ?? [], call.caller.scopes);
      const app = await createApp(platform, {
        userId: user.id,
        status: platform.settings.boolean('app_approval') ? AppStatus.pending : AppStatus.active,
        name: body.name,
        url: body.url,
        scopes,
      });
      // stored as a digest only: this is the one chance to read the secret
      return response(201, {
        ...message('App successfully created', app.id),
        appKey: app.appKey,
        appSecret: app.appSecret,
      });
    },
  }),
  systemOperation({
    name: 'consumer.app.get',
    method: 'GET',
    path: `/consumer/app/$app_id<${idOrName}>`,
    description: 'One of the caller’s apps',
    async handler(call) {
      const row = await findApp(call.platform, entityRef(call.request.params.app_id), currentUserId(call));
      return { ...summary(row), scopes: await appScopes(call.platform.db, row.id) } satisfies ConsumerApp;
    },
  }),
  systemOperation({
    name: 'consumer.app.update',
    method: 'PUT',
    path: `/consumer/app/$app_id<${idOrName}>`,
    description: 'Changes the name, url or scopes of one of the caller’s apps',
    incoming: appBody,
    async handler(call) {
      const { platform } = call;
      const body = call.request.body as ConsumerAppUpdate;
      const user = await findUser(platform, { id: currentUserId(call) });
      const existing = await findApp(platform, entityRef(call.request.params.app_id), user.id);
      const scopes =
        body.scopes === undefined
          ? undefined
          : await assertRequestableScopes(platform.db, user, body.scopes, call.caller.scopes);
      await updateApp(platform, { id: existing.id }, { name: body.name, url: body.url, scopes }, { userId: user.id });
      return message('App successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'consumer.app.delete',
    method: 'DELETE',
    path: `/consumer/app/$app_id<${idOrName}>`,
    description: 'Deletes one of the caller’s apps and its tokens',
    async handler(call) {
      const id = await deleteApp(call.platform, entityRef(call.request.params.app_id), { userId: currentUserId(call) });
      return message('App successfully deleted', id);
    },
  }),
  systemOperation({
    name: 'consumer.app.regenerateSecret',
    method: 'POST',
    path: `/consumer/app/$app_id<${idOrName}>/secret`,
    description:
      'A new secret for one of the caller’s apps, in this response only; the old secret stops working and the app’s tokens are revoked',
    async handler(call) {
      const userId = currentUserId(call);
      const existing = await findApp(call.platform, entityRef(call.request.params.app_id), userId);
      // the new secret is worth every scope of the app: the calling token must hold them all (a token a
      // third party got with consumer.app must not take over an app that can do more)
      assertTokenHolds(call.caller.scopes, await appScopes(call.platform.db, existing.id));
      const app = await regenerateAppSecret(call.platform, { id: existing.id }, { userId, origin: call });
      // stored as a digest only: this is the one chance to read the new secret
      return {
        ...message('App secret successfully regenerated', app.id),
        appKey: app.appKey,
        appSecret: app.appSecret,
      };
    },
  }),
];
