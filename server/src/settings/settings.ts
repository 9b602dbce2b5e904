import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Config value types, as Fusio numbers them. */
export const ConfigType = { string: 1, boolean: 2, number: 3, datetime: 4, email: 5, text: 6, secret: 7 } as const;

export interface ConfigDefault {
  name: string;
  type: number;
  description: string;
  value: string;
}

const T = ConfigType;

/** The install's settings with their defaults; new keys are added to existing installs at start. */
export const configDefaults: ConfigDefault[] = [
  {
    name: 'app_approval',
    type: T.boolean,
    description: 'If true each app must be manually approved by an administrator',
    value: '0',
  },
  {
    name: 'authorization_url',
    type: T.string,
    description: 'URL of the page where a user grants an app access (OAuth2 consent)',
    value: '',
  },
  {
    name: 'authorization_token_expire',
    type: T.number,
    description: 'Seconds an access token is valid',
    value: '172800',
  },
  {
    name: 'authorization_refresh_expire',
    type: T.number,
    description: 'Seconds after issue a refresh token can be used',
    value: '259200',
  },
  {
    name: 'consumer_max_apps',
    type: T.number,
    description: 'The max amount of apps a consumer can register',
    value: '16',
  },
  {
    name: 'consumer_max_tokens',
    type: T.number,
    description: 'The max amount of personal access tokens a consumer can create',
    value: '16',
  },
  {
    name: 'consumer_max_webhooks',
    type: T.number,
    description: 'The max amount of webhooks a consumer can register',
    value: '8',
  },
  { name: 'info_title', type: T.string, description: 'The title of the API', value: 'Portico' },
  {
    name: 'info_description',
    type: T.string,
    description: 'A short description of the API',
    value: 'An API built with Portico',
  },
  { name: 'info_tos', type: T.string, description: 'A URL to the terms of service of the API', value: '' },
  {
    name: 'info_contact_name',
    type: T.string,
    description: 'The name of the contact person or organization',
    value: '',
  },
  { name: 'info_contact_url', type: T.string, description: 'The URL of the contact information', value: '' },
  {
    name: 'info_contact_email',
    type: T.email,
    description: 'The email of the contact person or organization',
    value: '',
  },
  { name: 'info_license_name', type: T.string, description: 'The license name of the API', value: '' },
  { name: 'info_license_url', type: T.string, description: 'A URL to the license of the API', value: '' },
  {
    name: 'mail_register_subject',
    type: T.string,
    description: 'Subject of the activation mail',
    value: 'Portico registration',
  },
  {
    name: 'mail_register_body',
    type: T.text,
    description: 'Body of the activation mail',
    value:
      'Hello {name},\n\nyou have successfully registered.\nTo activate your account please visit the following link:\n{apps_url}/developer/register/activate/{token}',
  },
  {
    name: 'mail_pw_reset_subject',
    type: T.string,
    description: 'Subject of the password reset mail',
    value: 'Portico password reset',
  },
  {
    name: 'mail_pw_reset_body',
    type: T.text,
    description: 'Body of the password reset mail',
    value:
      'Hello {name},\n\nyou have requested to reset your password.\nTo set a new password please visit the following link:\n{apps_url}/developer/password/confirm/{token}\n\nPlease ignore this email if you have not requested a password reset.',
  },
  {
    name: 'mail_points_subject',
    type: T.string,
    description: 'Subject of the points threshold mail',
    value: 'Portico points threshold reached',
  },
  {
    name: 'mail_points_body',
    type: T.text,
    description: 'Body of the points threshold mail',
    value:
      'Hello {name},\n\nyour account has only {points} points left.\nYou can buy more points at {apps_url}/developer',
  },
  { name: 'recaptcha_key', type: T.string, description: 'reCAPTCHA site key', value: '' },
  { name: 'recaptcha_secret', type: T.secret, description: 'reCAPTCHA secret', value: '' },
  { name: 'payment_stripe_secret', type: T.secret, description: 'Stripe secret API key', value: '' },
  {
    name: 'payment_stripe_webhook_secret',
    type: T.secret,
    description: 'Signing secret of the Stripe webhook endpoint (whsec_…); comma-separated while rolling it',
    value: '',
  },
  {
    name: 'payment_stripe_api_url',
    type: T.string,
    description: 'Base URL of the Stripe API; empty means https://api.stripe.com',
    value: '',
  },
  {
    name: 'payment_stripe_portal_configuration',
    type: T.string,
    description: 'Stripe billing portal configuration id',
    value: '',
  },
  { name: 'payment_currency', type: T.string, description: 'Currency code of plan prices, e.g. EUR', value: '' },
  { name: 'role_default', type: T.string, description: 'Role a new user gets', value: 'Consumer' },
  { name: 'points_default', type: T.number, description: 'Points a new user starts with', value: '0' },
  { name: 'points_threshold', type: T.number, description: 'Points below which a user gets a mail', value: '0' },
  { name: 'system_mailer', type: T.string, description: 'Connection name of a custom mailer', value: '' },
  { name: 'system_dispatcher', type: T.string, description: 'Connection name of a custom event dispatcher', value: '' },
  { name: 'user_pw_length', type: T.number, description: 'Minimum password length', value: '8' },
  {
    name: 'user_approval',
    type: T.boolean,
    description: 'Whether a new user must activate the account through a mail',
    value: '1',
  },
  {
    name: 'user_admin_approval',
    type: T.boolean,
    description: 'If true new accounts stay disabled until an administrator activates them',
    value: '0',
  },
  {
    name: 'recaptcha_verify_url',
    type: T.string,
    description: 'Where captcha responses are verified (reCAPTCHA siteverify or a compatible service)',
    value: 'https://www.google.com/recaptcha/api/siteverify',
  },
  {
    name: 'mail_register_exists_subject',
    type: T.string,
    description: 'Subject of the mail sent when someone registers with an email that already has an account',
    value: 'Portico registration',
  },
  {
    name: 'mail_register_exists_body',
    type: T.text,
    description: 'Body of the mail sent when someone registers with an email that already has an account',
    value:
      'Hello {name},\n\nsomebody tried to register a new account with your email address, which already has an account.\nIf this was you and you forgot your password, you can reset it at:\n{apps_url}/developer/password\n\nOtherwise you can ignore this email.',
  },
  {
    name: 'portal_title',
    type: T.string,
    description: 'Title the developer portal shows; empty means info_title',
    value: '',
  },
  {
    name: 'portal_logo_url',
    type: T.string,
    description: 'URL (https or http) of the logo the developer portal shows; empty for none',
    value: '',
  },
  {
    name: 'portal_primary_color',
    type: T.string,
    description: 'Primary colour of the developer portal, as #rrggbb',
    value: '#1c7ed6',
  },
  {
    name: 'portal_footer_links',
    type: T.text,
    description: 'Links in the footer of the developer portal: a JSON array of {"label": "...", "url": "https://..."}',
    value: '[]',
  },
  {
    name: 'portal_dark_mode',
    type: T.string,
    description: "Colour scheme of the developer portal: auto (the visitor's system setting), light or dark",
    value: 'auto',
  },
  {
    name: 'rate_limit_headers',
    type: T.string,
    description:
      'Rate-limit headers on responses: fusio (RateLimit-Limit and RateLimit-Remaining, what Fusio sends), ietf (RateLimit-Policy and RateLimit of the IETF draft) or all (both, and X-RateLimit-Limit and X-RateLimit-Remaining for older clients)',
    value: 'fusio',
  },
  {
    name: 'mcp_platform_operations',
    type: T.string,
    description:
      'Operations of the platform’s own APIs (backend, consumer, system, authorization) that are MCP tools and JSON-RPC methods too: names separated by commas, a trailing * matches a prefix (consumer.app.*); empty: none',
    value: '',
  },
  {
    name: 'firewall_max_retry',
    type: T.number,
    description:
      'Client errors (4xx) one address may cause within firewall_find_time before the firewall bans it; 0 turns automatic bans off',
    value: '32',
  },
  {
    name: 'firewall_find_time',
    type: T.string,
    description: 'The window in which client errors are counted for the automatic ban, as an ISO-8601 duration',
    value: 'PT2M',
  },
  {
    name: 'firewall_ban_time',
    type: T.string,
    description: 'How long an automatic ban lasts, as an ISO-8601 duration',
    value: 'PT5M',
  },
  {
    name: 'webhook_allow_private',
    type: T.boolean,
    description: 'If true webhooks may point to private, loopback and link-local addresses (only for trusted networks)',
    value: '0',
  },
];

/** Which rate-limit header families a response carries (the `rate_limit_headers` setting). */
export type RateLimitHeaderForm = 'fusio' | 'ietf' | 'all';
export const rateLimitHeaderForms: readonly RateLimitHeaderForm[] = ['fusio', 'ietf', 'all'];

/** The config table, cached in memory; refreshed after every change made through the API. */
export class Settings {
  private values = new Map<string, { type: number; value: string }>();
  /** read on every rate-limited request: resolved when the settings load, not looked up each time */
  rateLimitHeaders: RateLimitHeaderForm = 'fusio';

  constructor(private readonly db: Kysely<Database>) {}

  async load(): Promise<void> {
    const rows = await this.db.selectFrom('config').select(['name', 'type', 'value']).execute();
    this.values = new Map(rows.map((r) => [r.name, { type: r.type, value: r.value }]));
    const form = this.string('rate_limit_headers');
    this.rateLimitHeaders = (rateLimitHeaderForms as readonly string[]).includes(form)
      ? (form as RateLimitHeaderForm)
      : 'fusio';
  }

  string(name: string): string {
    return this.values.get(name)?.value ?? configDefaults.find((d) => d.name === name)?.value ?? '';
  }

  number(name: string): number {
    const n = Number(this.string(name));
    return Number.isFinite(n) ? n : 0;
  }

  boolean(name: string): boolean {
    const v = this.string(name).toLowerCase();
    return v === '1' || v === 'true' || v === 'on' || v === 'yes';
  }
}

/** A stored value in the type the API shows it as. */
export function typedConfigValue(type: number, value: string): unknown {
  if (type === ConfigType.boolean) return value === '1' || value.toLowerCase() === 'true';
  if (type === ConfigType.number) {
    const n = Number(value);
    return Number.isFinite(n) ? n : 0;
  }
  return value;
}
