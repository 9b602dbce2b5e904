/**
 * What a committed configuration change touched. Repositories announce these kinds; each subsystem
 * rebuilds only for the kinds it reads (the gateway for operations, actions, schemas and scopes; the
 * rate limiter for rates; …), on this node at once and on every other node through the change feed.
 */
export const configKinds = [
  'operation',
  'action',
  'schema',
  'scope',
  'connection',
  'rate',
  'plan',
  'role',
  'event',
  'webhook',
  'trigger',
  'cronjob',
  'identity',
  'page',
  'setting',
  'app',
  'user',
  'firewall',
] as const;

export type ConfigKind = (typeof configKinds)[number];

const known = new Set<string>(configKinds);

export function isConfigKind(value: unknown): value is ConfigKind {
  return typeof value === 'string' && known.has(value);
}
