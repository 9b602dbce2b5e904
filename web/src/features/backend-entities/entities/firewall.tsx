import { Badge } from '@mantine/core';
import type { BackendFirewall } from 'fusio-sdk';
import { textValue } from '../lib/sources';
import { defineEntity, Mono, metadataBody, metadataField, metadataValue } from './common';

const types = [
  { value: '0', label: 'Deny' },
  { value: '1', label: 'Allow' },
];

/** `2026-12-31T12:00` (a datetime-local value) from the API's ISO time, in the browser's time zone. */
function localInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** The API's ISO time from what was typed; empty means "never expires". */
function expireBody(value: unknown): string | null {
  const text = textValue(value);
  if (!text) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

export const firewall = defineEntity<BackendFirewall>({
  path: 'firewall',
  api: 'firewall',
  what: 'firewall rule',
  plural: 'Firewall',
  group: 'System',
  intro:
    'Allow and deny rules for client addresses and CIDR ranges (IPv4 and IPv6). Repeated client errors ban an address for a while; those bans are listed here too and can be lifted by deleting them. A rule over everyone never closes the backend to its administrators.',
  list: (c, p) => c.backend().firewall().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (r) => r.name },
    {
      label: 'Type',
      render: (r) => (
        <Badge variant="light" color={r.type === 1 ? 'green' : 'red'}>
          {r.type === 1 ? 'allow' : 'deny'}
        </Badge>
      ),
    },
    { label: 'Address or range', render: (r) => <Mono>{r.ip}</Mono> },
    { label: 'Expires', render: (r) => (r.expire ? new Date(r.expire).toLocaleString() : 'never') },
  ],
  idOf: (r) => r.id,
  nameOf: (r) => r.name ?? `#${r.id}`,
  get: (c, id) => c.backend().firewall().get(id),
  fields: () => [
    { kind: 'text', name: 'name', label: 'Name', required: true, match: /firewall name|already exists/i },
    { kind: 'select', name: 'type', label: 'Type', options: types, required: true, match: /firewall type/i },
    {
      kind: 'text',
      name: 'ip',
      label: 'Address or CIDR range',
      required: true,
      monospace: true,
      placeholder: '203.0.113.7, 198.51.100.0/24 or 2001:db8::/32',
      match: /firewall ip|your own address/i,
    },
    {
      kind: 'text',
      name: 'expire',
      label: 'Expires',
      description: 'Date and time in ISO 8601 (e.g. 2027-01-31T12:00); empty: never',
      placeholder: '2027-01-31T12:00',
      match: /firewall expire/i,
    },
    metadataField,
  ],
  values: (r) => ({
    name: r?.name ?? '',
    type: String(r?.type ?? 0),
    ip: r?.ip ?? '',
    expire: localInput(r?.expire),
    metadata: metadataValue(r?.metadata),
  }),
  body: (v) => ({
    name: textValue(v.name),
    type: Number(v.type ?? 0),
    ip: textValue(v.ip),
    expire: expireBody(v.expire),
    metadata: metadataBody(v.metadata),
  }),
  create: (c, body) => c.backend().firewall().create(body),
  update: (c, id, body) => c.backend().firewall().update(id, body),
  remove: (c, id) => c.backend().firewall().delete(id),
});
