import type { BackendTaxonomy } from 'fusio-sdk';
import { idText, taxonomyIds, taxonomyName, textValue } from '../lib/sources';
import { defineEntity } from './common';

export const taxonomies = defineEntity<BackendTaxonomy>({
  path: 'taxonomies',
  api: 'taxonomy',
  what: 'folder',
  plural: 'Folders',
  group: 'API',
  intro:
    'Folders (Fusio’s taxonomies) group operations, actions, schemas, events, cronjobs and triggers in the lists; a folder may sit in another. Deleting a folder moves what it held to the top level.',
  list: (c, p) => c.backend().taxonomy().getAll(p.startIndex, p.count, p.search),
  columns: [{ label: 'Name', render: (r) => r.name }],
  idOf: (r) => r.id,
  nameOf: (r) => r.name ?? `#${r.id}`,
  get: (c, id) => c.backend().taxonomy().get(id),
  fields: () => [
    { kind: 'text', name: 'name', label: 'Name', required: true, match: /taxonomy name|already exists/i },
    {
      kind: 'select',
      name: 'parentId',
      label: 'Parent folder',
      description: 'Empty: a folder at the top level',
      options: taxonomyIds,
      labelOf: taxonomyName,
      clearable: true,
      match: /parent/i,
    },
  ],
  values: (r) => ({ name: r?.name ?? '', parentId: idText(r?.parentId) }),
  body: (v) => {
    const parent = textValue(v.parentId);
    return { name: textValue(v.name), parentId: parent ? Number(parent) : null };
  },
  create: (c, body) => c.backend().taxonomy().create(body),
  update: (c, id, body) => c.backend().taxonomy().update(id, body),
  remove: (c, id) => c.backend().taxonomy().delete(id),
});
