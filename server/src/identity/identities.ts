import type { BackendIdentity } from 'fusio-sdk';
import { secretFields, secretMask } from '../connections/secrets.js';
import type { EntityRef } from '../db/listing.js';
import { isoDate } from '../db/values.js';
import { badRequest, notFound } from '../errors.js';
import type { Platform } from '../runtime/platform.js';
import { providerUrlProblem } from './provider.js';
import { identityProviders } from './registry.js';
import { type IdentityRow, IdentityStatus } from './tables.js';

export async function findIdentity(platform: Platform, ref: EntityRef): Promise<IdentityRow> {
  let query = platform.db.selectFrom('identities').selectAll().where('status', '=', IdentityStatus.active);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('name', '=', ref.name);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Could not find identity');
  return row;
}

/** The decrypted config; the same AES-256-GCM key and format as connection credentials. */
export function identityConfig(
  platform: Platform,
  row: Pick<IdentityRow, 'class' | 'config'>,
): Record<string, unknown> {
  return platform.connections.configOf(row);
}

/**
 * Validates a config against the class's schema (defaults applied, unknown fields dropped), checks its
 * URLs and encrypts it. A masked or missing secret keeps the stored one.
 */
export function prepareIdentityConfig(
  platform: Platform,
  className: string,
  config: Record<string, unknown>,
  previous: Record<string, unknown> | null,
): string {
  const type = identityProviders.get(className);
  if (!type) throw badRequest('Provided an invalid identity class');
  const merged = { ...config };
  for (const name of secretFields(type.config)) {
    if ((merged[name] === secretMask || merged[name] === undefined) && previous) merged[name] = previous[name];
  }
  const valid = identityProviders.validateConfig(className, merged);
  const known = Object.keys((type.config.properties ?? {}) as Record<string, unknown>);
  const stored = Object.fromEntries(known.filter((k) => valid[k] !== undefined).map((k) => [k, valid[k]]));
  for (const name of type.urlFields) {
    const problem = providerUrlProblem(stored[name]);
    if (problem) throw badRequest(`Identity config ${name} ${problem}`);
  }
  return platform.connections.encryptConfig(stored);
}

export function identityView(platform: Platform, row: IdentityRow, withConfig: boolean): BackendIdentity {
  const view: BackendIdentity & { status: number; insertDate?: string } = {
    id: row.id,
    appId: row.app_id,
    status: row.status,
    name: row.name,
    class: row.class,
    allowCreate: row.allow_create === 1,
  };
  if (row.role_id !== null) view.roleId = row.role_id;
  if (row.icon !== null) view.icon = row.icon;
  if (withConfig) {
    let config: Record<string, unknown> = {};
    try {
      config = identityConfig(platform, row);
    } catch {
      // encrypted with another key: show nothing rather than fail
    }
    const type = identityProviders.get(row.class);
    for (const name of type ? secretFields(type.config) : []) {
      if (config[name] !== undefined && config[name] !== '') config[name] = secretMask;
    }
    view.config = config;
  }
  const date = isoDate(row.created_at);
  if (date) view.insertDate = date;
  return view;
}

/** Where the portal sends the browser to start a login with an identity. */
export function redirectUrl(platform: Platform, identityId: number): string {
  return `${platform.config.publicUrl}/consumer/identity/${identityId}/redirect`;
}

/** Where a provider sends the browser back: registered at the provider as the client's redirect URI. */
export function exchangeUrl(platform: Platform, identityId: number): string {
  return `${platform.config.publicUrl}/consumer/identity/${identityId}/exchange`;
}
