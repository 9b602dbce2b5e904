import type { BackendIdentity, BackendIdentityIndex } from 'fusio-sdk';
import { formFromSchema } from '../../actions/form.js';
import { maskConfigSecrets } from '../../connections/secrets.js';
import { insertWithId } from '../../db/insert.js';
import { containsIgnoreCase, pageOf } from '../../db/listing.js';
import { AppStatus } from '../../db/schema.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { entityRef, paging, queryString } from '../../http/query.js';
import { findIdentity, identityConfig, identityView, prepareIdentityConfig } from '../../identity/identities.js';
import { identityProviders, normalizeProviderClass } from '../../identity/registry.js';
import { IdentityStatus } from '../../identity/tables.js';
import type { Platform } from '../../runtime/platform.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const identityName = /^[a-zA-Z0-9\-_]{3,128}$/;

const identityBody = {
  type: 'object',
  properties: {
    appId: { type: 'integer' },
    roleId: { type: ['integer', 'null'] },
    name: { type: 'string' },
    icon: { type: ['string', 'null'], maxLength: 64 },
    class: { type: 'string' },
    config: { type: 'object' },
    allowCreate: { type: 'boolean' },
  },
};

async function assertName(platform: Platform, name: unknown, exceptId?: number): Promise<string> {
  if (typeof name !== 'string' || !identityName.test(name)) {
    throw badRequest('Invalid identity name: use 3 to 128 letters, digits, "-" or "_"');
  }
  let query = platform.db.selectFrom('identities').select('id').where('name', '=', name);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  if (await query.executeTakeFirst()) throw conflict('Identity already exists');
  return name;
}

async function assertApp(platform: Platform, appId: number): Promise<void> {
  const app = await platform.db
    .selectFrom('apps')
    .select('id')
    .where('id', '=', appId)
    .where('status', '!=', AppStatus.deleted)
    .executeTakeFirst();
  if (!app) throw badRequest('Provided app does not exist');
}

async function assertRole(platform: Platform, roleId: number | null | undefined): Promise<void> {
  if (roleId === null || roleId === undefined) return;
  const role = await platform.db.selectFrom('roles').select('id').where('id', '=', roleId).executeTakeFirst();
  if (!role) throw badRequest('Provided role does not exist');
}

function providerClass(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') throw badRequest('Provided an invalid identity class');
  const className = normalizeProviderClass(raw);
  if (!identityProviders.get(className)) throw badRequest('Provided an invalid identity class');
  return className;
}

export const identityOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.identity.getAll',
    method: 'GET',
    path: '/backend/identity',
    description: 'The identity providers developers can log in with',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('identities').where('status', '=', IdentityStatus.active);
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      return pageOf(query, page, (row) => identityView(platform, row, false));
    },
  }),
  systemOperation({
    name: 'backend.identity.create',
    method: 'POST',
    path: '/backend/identity',
    httpCode: 201,
    description: 'Adds an identity provider; client secrets are encrypted at rest',
    incoming: identityBody,
    auditBody: (body) => maskConfigSecrets(body, identityProviders),
    async handler({ platform, request }) {
      const body = request.body as BackendIdentity;
      if (body.name === undefined || body.name === '') throw badRequest('Identity name must not be empty');
      const name = await assertName(platform, body.name);
      const className = providerClass(body.class);
      if (body.appId === undefined) throw badRequest('Provided no app id');
      await assertApp(platform, body.appId);
      await assertRole(platform, body.roleId);
      const config = prepareIdentityConfig(platform, className, body.config ?? {}, null);
      const now = Date.now();
      const id = await insertWithId(
        platform.db.insertInto('identities').values({
          status: IdentityStatus.active,
          app_id: body.appId,
          role_id: body.roleId ?? null,
          name,
          icon: body.icon ?? identityProviders.get(className)?.icon ?? null,
          class: className,
          config,
          allow_create: body.allowCreate === false ? 0 : 1,
          created_at: now,
          updated_at: now,
        }),
        platform.dialect,
      );
      return created('Identity successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.identity.getClasses',
    method: 'GET',
    path: '/backend/identity/list',
    description: 'The identity provider classes',
    handler(): BackendIdentityIndex {
      return { providers: identityProviders.list().map((type) => ({ name: type.name, class: type.class })) };
    },
  }),
  systemOperation({
    name: 'backend.identity.getForm',
    method: 'GET',
    path: '/backend/identity/form',
    description: 'The config form of an identity provider class',
    handler({ request }) {
      const raw = queryString(request.query, 'class');
      if (!raw) throw badRequest('Query parameter "class" is required');
      const type = identityProviders.get(normalizeProviderClass(raw));
      if (!type) throw notFound(`Identity class "${raw}" does not exist`);
      return formFromSchema(type.config);
    },
  }),
  systemOperation({
    name: 'backend.identity.get',
    method: 'GET',
    path: `/backend/identity/$identity_id<${idOrName}>`,
    async handler({ platform, request }) {
      return identityView(platform, await findIdentity(platform, entityRef(request.params.identity_id)), true);
    },
  }),
  systemOperation({
    name: 'backend.identity.update',
    method: 'PUT',
    path: `/backend/identity/$identity_id<${idOrName}>`,
    incoming: identityBody,
    auditBody: (body) => maskConfigSecrets(body, identityProviders),
    async handler({ platform, request }) {
      const existing = await findIdentity(platform, entityRef(request.params.identity_id));
      const body = request.body as BackendIdentity;
      const name =
        body.name !== undefined && body.name !== existing.name
          ? await assertName(platform, body.name, existing.id)
          : existing.name;
      const className = body.class !== undefined ? providerClass(body.class) : existing.class;
      if (body.appId !== undefined) await assertApp(platform, body.appId);
      await assertRole(platform, body.roleId);
      let previous: Record<string, unknown> | null = null;
      try {
        previous = identityConfig(platform, existing);
      } catch {
        previous = null;
      }
      const config = prepareIdentityConfig(platform, className, body.config ?? previous ?? {}, previous);
      await platform.db
        .updateTable('identities')
        .set({
          name,
          class: className,
          app_id: body.appId ?? existing.app_id,
          role_id: body.roleId !== undefined ? body.roleId : existing.role_id,
          icon: body.icon !== undefined ? body.icon : existing.icon,
          config,
          allow_create: body.allowCreate === undefined ? existing.allow_create : body.allowCreate ? 1 : 0,
          updated_at: Math.max(Date.now(), existing.updated_at + 1),
        })
        .where('id', '=', existing.id)
        .execute();
      return message('Identity successfully updated', existing.id);
    },
  }),
  systemOperation({
    name: 'backend.identity.delete',
    method: 'DELETE',
    path: `/backend/identity/$identity_id<${idOrName}>`,
    description: 'Removes an identity provider; accounts it created stay but can no longer log in through it',
    async handler({ platform, request }) {
      const existing = await findIdentity(platform, entityRef(request.params.identity_id));
      await platform.db.deleteFrom('identities').where('id', '=', existing.id).execute();
      return message('Identity successfully deleted', existing.id);
    },
  }),
];
