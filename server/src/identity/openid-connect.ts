import { type OidcSettings, oidcAuthorizationUrl, oidcExchange } from './oidc.js';
import { defineIdentityProvider } from './provider.js';

function settingsOf(config: Readonly<Record<string, unknown>>): OidcSettings {
  return {
    issuer: String(config.issuer),
    clientId: String(config.client_id),
    clientSecret: String(config.client_secret),
    scope: String(config.scope),
    nameClaims: ['preferred_username', 'nickname', 'name', 'email'],
  };
}

/** Any OpenID Connect provider, configured by its issuer (discovery), with Fusio's class name. */
export const openIdConnectProvider = defineIdentityProvider({
  class: 'Fusio.Impl.Provider.Identity.OpenIDConnect',
  name: 'Open-ID-Connect',
  icon: 'bi-openid',
  urlFields: ['issuer'],
  config: {
    type: 'object',
    required: ['client_id', 'client_secret', 'issuer'],
    properties: {
      client_id: { type: 'string', minLength: 1, title: 'Client-ID', description: 'Client ID at the provider' },
      client_secret: {
        type: 'string',
        minLength: 1,
        title: 'Client-Secret',
        description: 'Client secret at the provider',
        'x-secret': true,
      },
      issuer: {
        type: 'string',
        minLength: 1,
        title: 'Issuer URL',
        description: 'The issuer, or the URL of its discovery document (/.well-known/openid-configuration)',
      },
      scope: {
        type: 'string',
        pattern: '(^|\\s)openid(\\s|$)',
        title: 'Scope',
        description: 'Scopes to ask for; must include openid',
        default: 'openid profile email',
      },
    },
  },
  authorizationUrl: (config, request, options) => oidcAuthorizationUrl(settingsOf(config), request, options),
  exchange: (config, exchange, options) => oidcExchange(settingsOf(config), exchange, options),
});
