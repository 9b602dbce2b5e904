import type { BackendPlan } from 'fusio-sdk';
import { scopeNames, textValue, usersWhere } from '../lib/sources';
import { count, defineEntity, metadataBody, metadataField, metadataValue } from './common';

const periods = [
  { value: '0', label: 'One-time purchase' },
  { value: '1', label: 'Subscription' },
];

export const plans = defineEntity<BackendPlan>({
  path: 'plans',
  api: 'plan',
  what: 'plan',
  plural: 'Plans',
  group: 'Consumers',
  intro: 'A plan gives its users scopes and points, for a price or free.',
  list: (c, p) => c.backend().plan().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (p) => p.name },
    { label: 'Price', render: (p) => (p.price ?? 0).toFixed(2) },
    { label: 'Points', render: (p) => p.points ?? 0 },
    { label: 'Period', render: (p) => periods.find((x) => x.value === String(p.period))?.label ?? '—' },
  ],
  idOf: (p) => p.id,
  nameOf: (p) => p.name ?? `#${p.id}`,
  get: (c, id) => c.backend().plan().get(id),
  fields: () => [
    { kind: 'text', name: 'name', label: 'Name', required: true, match: /plan name|plan already exists/i },
    { kind: 'textarea', name: 'description', label: 'Description', rows: 2, match: /description/i },
    { kind: 'number', name: 'price', label: 'Price', min: 0, decimals: 2, match: /price/i },
    { kind: 'number', name: 'points', label: 'Points per period', min: 0, match: /points/i },
    { kind: 'select', name: 'period', label: 'Period', options: periods, clearable: true, match: /period/i },
    {
      kind: 'text',
      name: 'externalId',
      label: 'External id',
      description: 'The price id at the payment provider (Stripe price_…)',
      match: /external id/i,
    },
    { kind: 'multiselect', name: 'scopes', label: 'Scopes', options: scopeNames, match: /scope/i },
    metadataField,
  ],
  values: (p) => ({
    name: p?.name ?? '',
    description: p?.description ?? '',
    price: p?.price ?? 0,
    points: p?.points ?? 0,
    period: p?.period === undefined || p.period === null ? null : String(p.period),
    externalId: p?.externalId ?? '',
    scopes: p?.scopes ?? [],
    metadata: metadataValue(p?.metadata),
  }),
  body: (v) => ({
    name: textValue(v.name),
    description: textValue(v.description) ?? '',
    price: typeof v.price === 'number' ? v.price : 0,
    points: typeof v.points === 'number' ? v.points : 0,
    period: v.period === null ? null : Number(v.period),
    externalId: textValue(v.externalId) ?? null,
    scopes: v.scopes,
    metadata: metadataBody(v.metadata),
  }),
  create: (c, body) => c.backend().plan().create(body),
  update: (c, id, body) => c.backend().plan().update(id, body),
  remove: (c, id) => c.backend().plan().delete(id),
  async dependents(_c, p, token) {
    const n = await usersWhere(token, `planId=${p.id}`);
    return n > 0 ? [`${count(n, 'user is', 'users are')} on this plan: move them to another plan first`] : [];
  },
  consequence: 'Rate allocations that name the plan stop applying.',
});
