import type { BackendIdentity } from 'fusio-sdk';
import { formFromSchema } from '../../actions/form.js';
import { maskConfigSecrets } from '../../connections/secrets.js';
import { isoDate } from '../../db/values.js';
import { entityRef, paging } from '../../http/query.js';
import { identityProviders, normalizeProviderClass } from '../../identity/registry.js';
import type { IdentityRow } from '../../identity/tables.js';
import { nameField } from '../../schema/fragments.js';
import { classOperations } from '../crud.js';
import { created, message } from '../http.js';
import { idOrName, type SystemCall, type SystemOperation, systemOperation } from '../system-operation.js';

function identityBody(name: ReturnType<typeof nameField>) {
  return {
    type: 'object',
    properties: {
      appId: { type: 'integer', 'x-empty': 'Provided no app id' },
      roleId: { type: ['integer', 'null'] },
      name,
      icon: { type: ['string', 'null'], maxLength: 64 },
      class: { type: 'string' },
      config: { type: 'object' },
      allowCreate: { type: 'boolean' },
    },
  };
}

const identityName = { max: 128 };

function view(call: SystemCall, row: IdentityRow, withConfig: boolean): BackendIdentity {
  const identity: BackendIdentity & { status: number; insertDate?: string } = {
    id: row.id,
    appId: row.app_id,
    status: row.status,
    name: row.name,
    class: row.class,
    allowCreate: row.allow_create === 1,
  };
  if (row.role_id !== null) identity.roleId = row.role_id;
  if (row.icon !== null) identity.icon = row.icon;
  if (withConfig) identity.config = call.platform.identities.shownConfig(row);
  const date = isoDate(row.created_at);
  if (date) identity.insertDate = date;
  return identity;
}

export const identityOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.identity.getAll',
    method: 'GET',
    path: '/backend/identity',
    description: 'The identity providers developers can log in with',
    handler(call) {
      const { platform, request } = call;
      return platform.identities.page(platform.db, paging(request.query), (row) => view(call, row, false));
    },
  }),
  systemOperation({
    name: 'backend.identity.create',
    method: 'POST',
    path: '/backend/identity',
    httpCode: 201,
    description: 'Adds an identity provider; client secrets are encrypted at rest',
    incoming: {
      ...identityBody(nameField('identity', { ...identityName, empty: 'Identity name must not be empty' })),
      required: ['name', 'appId'],
    },
    auditBody: (body) => maskConfigSecrets(body, identityProviders),
    async handler(call) {
      const body = call.request.body as BackendIdentity & { name: string; appId: number };
      const id = await call.platform.changes.write(call, (unit) => call.platform.identities.create(unit, body));
      return created('Identity successfully created', id);
    },
  }),
  ...classOperations({
    entity: 'identity',
    label: 'Identity',
    listKey: 'providers',
    types: () => identityProviders.list(),
    find: (_platform, className) => identityProviders.get(normalizeProviderClass(className)),
    form: (type) => formFromSchema(type.config),
    descriptions: { list: 'The identity provider classes', form: 'The config form of an identity provider class' },
  }),
  systemOperation({
    name: 'backend.identity.get',
    method: 'GET',
    path: `/backend/identity/$identity_id<${idOrName}>`,
    async handler(call) {
      const { platform, request } = call;
      return view(call, await platform.identities.find(platform.db, entityRef(request.params.identity_id)), true);
    },
  }),
  systemOperation({
    name: 'backend.identity.update',
    method: 'PUT',
    path: `/backend/identity/$identity_id<${idOrName}>`,
    incoming: identityBody(nameField('identity', identityName)),
    auditBody: (body) => maskConfigSecrets(body, identityProviders),
    async handler(call) {
      const ref = entityRef(call.request.params.identity_id);
      const body = call.request.body as BackendIdentity;
      const id = await call.platform.changes.write(call, (unit) => call.platform.identities.update(unit, ref, body));
      return message('Identity successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.identity.delete',
    method: 'DELETE',
    path: `/backend/identity/$identity_id<${idOrName}>`,
    description: 'Removes an identity provider; accounts it created stay but can no longer log in through it',
    async handler(call) {
      const ref = entityRef(call.request.params.identity_id);
      const id = await call.platform.changes.write(call, (unit) => call.platform.identities.delete(unit, ref));
      return message('Identity successfully deleted', id);
    },
  }),
];
