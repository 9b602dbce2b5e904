import type { PorticoConfig } from '../config.js';
import type { Settings } from '../settings/settings.js';

/**
 * Installation-specific values a page's Markdown may name as `{name}`. They are filled when the consumer
 * API reads a page, so a later change of PUBLIC_URL or of a setting never leaves stale text behind; the
 * backend API shows the text with its placeholders, which is what an admin edits.
 */
export const pagePlaceholderNames = [
  'base_url',
  'portal_url',
  'title',
  'contact_email',
  'contact_url',
  'contact',
  // Fusio's names, so pages written for Fusio keep working
  'BASE_URL',
  'API_URL',
  'APPS_URL',
  'BASE_PATH',
] as const;

export type PagePlaceholders = Record<(typeof pagePlaceholderNames)[number], string>;

/** `{contact}`: a Markdown sentence naming whoever answers questions, from the info_contact_* settings. */
function contactSentence(name: string, email: string, url: string): string {
  const ways: string[] = [];
  if (email !== '') ways.push(`by mail to [${email}](mailto:${email})`);
  if (url !== '') ways.push(`at [${url}](${url})`);
  if (ways.length === 0) {
    return 'The operator of this API has not published contact details yet; ask the person who gave you access.';
  }
  return `Contact ${name !== '' ? name : 'the API team'} ${ways.join(' or ')}.`;
}

export function pagePlaceholders(config: Pick<PorticoConfig, 'publicUrl'>, settings: Settings): PagePlaceholders {
  const base = config.publicUrl.replace(/\/+$/, '');
  const email = settings.string('info_contact_email');
  const url = settings.string('info_contact_url');
  return {
    base_url: base,
    portal_url: `${base}/apps/developer`,
    title: settings.string('info_title'),
    contact_email: email,
    contact_url: url,
    contact: contactSentence(settings.string('info_contact_name'), email, url),
    BASE_URL: base,
    API_URL: base,
    APPS_URL: `${base}/apps`,
    BASE_PATH: new URL(`${base}/apps`).pathname,
  };
}

const pattern = new RegExp(`\\{(${pagePlaceholderNames.join('|')})\\}`, 'g');

/** One pass over the text: a value that itself contains `{title}` is not filled again. */
export function fillPlaceholders(content: string, values: PagePlaceholders): string {
  return content.replace(pattern, (_match, name: keyof PagePlaceholders) => values[name]);
}
