import { durationMillis } from '../limits/duration.js';
import { rateLimitHeaderForms, type Settings } from './settings.js';

/** One link in the developer portal's footer. */
export interface FooterLink {
  label: string;
  url: string;
}

export type ColorScheme = 'auto' | 'light' | 'dark';

const colorSchemes: readonly ColorScheme[] = ['auto', 'light', 'dark'];
const maxFooterLinks = 20;

function webUrlProblem(value: string, allowMail = false): string | null {
  if (value.length > 2000) return 'must have at most 2000 characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  const schemes = allowMail ? ['https:', 'http:', 'mailto:'] : ['https:', 'http:'];
  if (!schemes.includes(url.protocol))
    return `must start with ${allowMail ? 'https:, http: or mailto:' : 'https: or http:'}`;
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  return null;
}

/** The footer links of a setting's text, or why they are not valid. */
export function parseFooterLinks(text: string): { links: FooterLink[] } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text === '' ? '[]' : text);
  } catch {
    return { problem: 'must be a JSON array of {"label": "...", "url": "https://..."}' };
  }
  if (!Array.isArray(value)) return { problem: 'must be a JSON array of {"label": "...", "url": "https://..."}' };
  if (value.length > maxFooterLinks) return { problem: `may hold at most ${maxFooterLinks} links` };
  const links: FooterLink[] = [];
  for (const [i, entry] of value.entries()) {
    const { label, url } = (entry ?? {}) as { label?: unknown; url?: unknown };
    if (
      typeof entry !== 'object' ||
      entry === null ||
      Array.isArray(entry) ||
      Object.keys(entry).some((k) => k !== 'label' && k !== 'url')
    ) {
      return { problem: `entry ${i + 1} must be an object with only "label" and "url"` };
    }
    if (typeof label !== 'string' || label.trim() === '' || label.length > 100) {
      return { problem: `entry ${i + 1} needs a "label" of 1 to 100 characters` };
    }
    if (typeof url !== 'string') return { problem: `entry ${i + 1} needs a "url"` };
    const problem = webUrlProblem(url, true);
    if (problem) return { problem: `entry ${i + 1}: "url" ${problem}` };
    links.push({ label: label.trim(), url });
  }
  return { links };
}

/**
 * Checks a new value of a setting with rules beyond its type (the branding keys, the rate-limit headers), so a bad value is a
 * 400 at /backend/config rather than a broken portal. Null: the value is fine.
 */
export function settingProblem(name: string, value: string): string | null {
  switch (name) {
    case 'portal_title':
      return value.length > 100 ? 'must have at most 100 characters' : null;
    case 'portal_logo_url':
      return value === '' ? null : webUrlProblem(value);
    case 'portal_primary_color':
      return /^#[0-9a-fA-F]{6}$/.test(value) ? null : 'must be a colour as #rrggbb, e.g. #1c7ed6';
    case 'portal_footer_links': {
      const parsed = parseFooterLinks(value);
      return 'problem' in parsed ? parsed.problem : null;
    }
    case 'firewall_find_time':
    case 'firewall_ban_time':
      return durationMillis(value) === undefined ? 'must be an ISO-8601 duration such as PT2M or PT1H' : null;
    case 'firewall_max_retry':
      return Number.isInteger(Number(value)) && Number(value) >= 0 ? null : 'must be a whole number from 0 up';
    case 'portal_dark_mode':
      return (colorSchemes as readonly string[]).includes(value) ? null : 'must be one of auto, light, dark';
    case 'rate_limit_headers':
      return (rateLimitHeaderForms as readonly string[]).includes(value) ? null : 'must be one of fusio, ietf, all';
    default:
      return null;
  }
}

/** What a register form needs to show the captcha the server checks; the secret never leaves the server. */
export interface CaptchaWidget {
  provider: 'recaptcha' | 'hcaptcha' | 'turnstile';
  siteKey: string;
}

/** The captcha sign-up demands (a secret is set), its kind told by where responses are verified. */
export function captchaWidget(settings: Settings): CaptchaWidget | null {
  if (settings.string('recaptcha_secret') === '') return null;
  let host = '';
  try {
    host = new URL(settings.string('recaptcha_verify_url')).hostname;
  } catch {
    // no usable verify URL: the default, reCAPTCHA
  }
  const provider = /(^|\.)hcaptcha\.com$/.test(host)
    ? 'hcaptcha'
    : host === 'challenges.cloudflare.com'
      ? 'turnstile'
      : 'recaptcha';
  return { provider, siteKey: settings.string('recaptcha_key') };
}

export interface PortalBranding {
  title: string;
  logoUrl: string;
  primaryColor: string;
  footerLinks: FooterLink[];
  colorScheme: ColorScheme;
  registration: boolean;
  captcha: CaptchaWidget | null;
}

/** The portal's branding from the settings; a value that is invalid anyway (edited in the database) falls back. */
export function portalBranding(settings: Settings): PortalBranding {
  const valid = (name: string, fallback: string) => {
    const value = settings.string(name);
    return settingProblem(name, value) === null ? value : fallback;
  };
  const links = parseFooterLinks(settings.string('portal_footer_links'));
  return {
    title: valid('portal_title', '') || settings.string('info_title'),
    logoUrl: valid('portal_logo_url', ''),
    primaryColor: valid('portal_primary_color', '#1c7ed6').toLowerCase(),
    footerLinks: 'links' in links ? links.links : [],
    colorScheme: valid('portal_dark_mode', 'auto') as ColorScheme,
    // Portico has no setting that closes sign-up: /consumer/register is always open
    registration: true,
    captcha: captchaWidget(settings),
  };
}
