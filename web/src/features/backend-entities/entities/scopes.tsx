import type { BackendScope } from 'fusio-sdk';
import { textValue } from '../lib/sources';
import { count, defineEntity, Mono, metadataBody, metadataField, metadataValue } from './common';

export const scopes = defineEntity<BackendScope>({
  path: 'scopes',
  api: 'scope',
  what: 'scope',
  plural: 'Scopes',
  group: 'Consumers',
  intro: 'A scope is a right to call a set of operations; apps, users, roles and plans hold scopes.',
  list: (c, p) => c.backend().scope().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (s) => <Mono>{s.name}</Mono> },
    { label: 'Description', render: (s) => s.description },
  ],
  idOf: (s) => s.id,
  nameOf: (s) => s.name ?? `#${s.id}`,
  get: (c, id) => c.backend().scope().get(id),
  fields: () => [
    {
      kind: 'text',
      name: 'name',
      label: 'Name',
      required: true,
      monospace: true,
      description: '3 to 64 letters, digits, "-", "_" or "."',
      match: /scope name|scope already exists/i,
    },
    { kind: 'textarea', name: 'description', label: 'Description', rows: 2, match: /description/i },
    metadataField,
  ],
  values: (s) => ({ name: s?.name ?? '', description: s?.description ?? '', metadata: metadataValue(s?.metadata) }),
  body: (v) => ({
    name: textValue(v.name),
    description: textValue(v.description) ?? '',
    metadata: metadataBody(v.metadata),
  }),
  create: (c, body) => c.backend().scope().create(body),
  update: (c, id, body) => c.backend().scope().update(id, body),
  remove: (c, id) => c.backend().scope().delete(id),
  async dependents(c, s) {
    const full = await c.backend().scope().get(String(s.id));
    const operations = full.operations?.length ?? 0;
    return operations > 0 ? [`${count(operations, 'operation')} linked to this scope`] : [];
  },
  consequence: 'Apps, users, roles and plans that hold the scope lose it, and tokens issued with it stop carrying it.',
});
