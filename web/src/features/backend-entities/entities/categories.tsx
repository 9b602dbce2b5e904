import type { BackendCategory } from 'fusio-sdk';
import { textValue } from '../lib/sources';
import { defineEntity } from './common';

const builtIn = new Set(['default', 'backend', 'consumer', 'system', 'authorization']);

export const categories = defineEntity<BackendCategory>({
  path: 'categories',
  api: 'category',
  what: 'category',
  plural: 'Categories',
  group: 'API',
  intro:
    'Categories group operations, scopes and the rest; the logs and the statistics can be narrowed to one. Five are built in: default holds what you make unless you choose another. A category that still holds something cannot be deleted.',
  list: (c, p) => c.backend().category().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (r) => r.name },
    { label: 'Kind', render: (r) => (builtIn.has(r.name ?? '') ? 'built in' : 'yours') },
  ],
  idOf: (r) => r.id,
  nameOf: (r) => r.name ?? `#${r.id}`,
  get: (c, id) => c.backend().category().get(id),
  lockedBecause: (r) => (builtIn.has(r.name ?? '') ? 'A built-in category cannot be renamed or deleted.' : null),
  fields: () => [
    {
      kind: 'text',
      name: 'name',
      label: 'Name',
      required: true,
      description: '3 to 64 letters, digits, - or _',
      match: /category name|already exists|built in/i,
    },
  ],
  values: (r) => ({ name: r?.name ?? '' }),
  body: (v) => ({ name: textValue(v.name) }),
  create: (c, body) => c.backend().category().create(body),
  update: (c, id, body) => c.backend().category().update(id, body),
  remove: (c, id) => c.backend().category().delete(id),
});
