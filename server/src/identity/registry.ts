import { PluginRegistry } from '../plugins/registry.js';
import { githubProvider } from './github.js';
import { googleProvider } from './google.js';
import { openIdConnectProvider } from './openid-connect.js';
import type { IdentityProviderType } from './provider.js';

/** The identity provider classes Portico offers, by Fusio's class names. */
export const identityProviders = new PluginRegistry<IdentityProviderType>('Identity');
for (const provider of [githubProvider, googleProvider, openIdConnectProvider]) identityProviders.register(provider);

/** Fusio writes class names with dots or with backslashes (`Fusio\Impl\Provider\Identity\Github`); both work. */
export function normalizeProviderClass(raw: string): string {
  return raw.replace(/\\+/g, '.').replace(/^\.+/, '');
}
