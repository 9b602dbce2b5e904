import { type OidcSettings, oidcAuthorizationUrl, oidcExchange } from './oidc.js';
import { defineIdentityProvider } from './provider.js';

function settingsOf(config: Readonly<Record<string, unknown>>): OidcSettings {
  return {
    issuer: String(config.issuer),
    clientId: String(config.client_id),
    clientSecret: String(config.client_secret),
    scope: 'openid profile email',
    nameClaims: ['name', 'given_name', 'email'],
  };
}

/** Google: OpenID Connect on accounts.google.com (discovered), with Fusio's class name and scopes. */
export const googleProvider = defineIdentityProvider({
  class: 'Fusio.Impl.Provider.Identity.Google',
  name: 'Google',
  icon: 'bi-google',
  urlFields: ['issuer'],
  config: {
    type: 'object',
    required: ['client_id', 'client_secret'],
    properties: {
      client_id: { type: 'string', minLength: 1, title: 'Client-ID', description: 'OAuth client ID from Google Cloud' },
      client_secret: {
        type: 'string',
        minLength: 1,
        title: 'Client-Secret',
        description: 'OAuth client secret from Google Cloud',
        'x-secret': true,
      },
      issuer: {
        type: 'string',
        title: 'Issuer URL',
        description: "Google's OpenID Connect issuer; its discovery document names every endpoint",
        default: 'https://accounts.google.com',
      },
    },
  },
  authorizationUrl: (config, request, options) => oidcAuthorizationUrl(settingsOf(config), request, options),
  exchange: (config, exchange, options) => oidcExchange(settingsOf(config), exchange, options),
});
