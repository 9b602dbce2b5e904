import type { BackendRole } from 'fusio-sdk';
import { scopeNames, textValue, usersWhere } from '../lib/sources';
import { count, defineEntity } from './common';

const categories = ['Default', 'Backend', 'Consumer', 'System', 'Authorization'].map((label, i) => ({
  value: String(i + 1),
  label,
}));
const builtIn = new Set(['Administrator', 'Backend', 'Consumer']);

export const roles = defineEntity<BackendRole>({
  path: 'roles',
  api: 'role',
  what: 'role',
  plural: 'Roles',
  group: 'Consumers',
  intro: 'A role gives its users a set of scopes; Administrator, Backend and Consumer are built in.',
  list: (c, p) => c.backend().role().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (r) => r.name },
    { label: 'Category', render: (r) => categories.find((c) => c.value === String(r.categoryId))?.label },
  ],
  idOf: (r) => r.id,
  nameOf: (r) => r.name ?? `#${r.id}`,
  get: (c, id) => c.backend().role().get(id),
  fields: (mode, row) => [
    {
      kind: 'text',
      name: 'name',
      label: 'Name',
      required: true,
      disabled: mode === 'edit' && builtIn.has(row?.name ?? ''),
      match: /role name|role already exists|renamed/i,
    },
    { kind: 'select', name: 'categoryId', label: 'Category', options: categories, match: /category/i },
    { kind: 'multiselect', name: 'scopes', label: 'Scopes', options: scopeNames, match: /scope/i },
  ],
  values: (r) => ({ name: r?.name ?? '', categoryId: String(r?.categoryId ?? 1), scopes: r?.scopes ?? [] }),
  body: (v, mode, row) => ({
    ...(mode === 'edit' && builtIn.has(row?.name ?? '') ? {} : { name: textValue(v.name) }),
    categoryId: Number(v.categoryId ?? 1),
    scopes: v.scopes,
  }),
  create: (c, body) => c.backend().role().create(body),
  update: (c, id, body) => c.backend().role().update(id, body),
  remove: (c, id) => c.backend().role().delete(id),
  lockedBecause: (r) => (builtIn.has(r.name ?? '') ? 'A built-in role: it cannot be renamed or deleted.' : null),
  async dependents(_c, r, token) {
    const n = await usersWhere(token, `roleId=${r.id}`);
    return n > 0 ? [`${count(n, 'user has', 'users have')} this role: give them another role first`] : [];
  },
});
