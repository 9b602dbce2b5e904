import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { Caller } from '../../../auth/caller.js';
import { badRequest, notFound } from '../../../errors.js';
import type { Platform } from '../../platform.js';
import { buildOpenApi, type Json } from '../openapi.js';
import { audienceOf } from './audience.js';
import { typescriptClient } from './client-typescript.js';
import { htmlOf, htmlPolicy } from './html.js';
import { markdownOf } from './markdown.js';

/** A kind of document or client Portico generates of the API. */
export interface SdkFormat {
  readonly type: string;
  readonly label: string;
  readonly description: string;
  /** what `config` means for this format; absent: it takes none */
  readonly config?: string;
}

export const sdkFormats: readonly SdkFormat[] = [
  { type: 'openapi', label: 'OpenAPI (JSON)', description: 'OpenAPI 3.1 document of the API' },
  { type: 'openapi-yaml', label: 'OpenAPI (YAML)', description: 'The same OpenAPI 3.1 document in YAML' },
  { type: 'markdown', label: 'Markdown', description: 'Reference of every operation and schema, in Markdown' },
  { type: 'html', label: 'HTML', description: 'The reference as one self-contained web page' },
  {
    type: 'client-typescript',
    label: 'TypeScript client',
    description: 'npm package: types from openapi-typescript, an openapi-fetch client with base URL and token',
    config: 'the npm package name (default: the API title + "-client")',
  },
];

export function sdkFormat(type: string): SdkFormat | undefined {
  return sdkFormats.find((format) => format.type === type);
}

/** A generated file, ready to answer. */
export interface GeneratedFile {
  readonly fileName: string;
  readonly contentType: string;
  readonly body: string | Buffer;
  /** headers besides the content type and disposition (the HTML page's policy) */
  readonly headers: Record<string, string>;
}

/** The link a generated file is downloaded from (its content depends on who downloads it). */
export function sdkLink(platform: Platform, type: string, config?: string): string {
  const query = config ? `?config=${encodeURIComponent(config)}` : '';
  return `${platform.config.publicUrl}/system/generator/${encodeURIComponent(type)}${query}`;
}

/**
 * Seam for releases (`Api-Version`, another branch): the release a document describes. Until releases
 * exist there is only the current configuration, so naming any release is a 404 rather than a silent
 * document of the wrong one.
 */
/** A release the installation tagged (`portico release x.y.z`), or none: the current configuration. */
async function releaseOf(platform: Platform, release: string | undefined): Promise<string | undefined> {
  if (release === undefined || release.trim() === '') return undefined;
  const version = release.trim();
  if (!(await platform.releases.exists(platform.db, version))) throw notFound(`Release ${version} does not exist`);
  return version;
}

function checkConfig(format: SdkFormat, config: string | undefined): string | undefined {
  if (config === undefined || config === '') return undefined;
  if (!format.config) throw badRequest(`The format ${format.type} takes no config`);
  if (config.length > 256) throw badRequest('The config is too long');
  return config;
}

/** Recent files by format, config and document digest: the same API and audience need no second generation. */
const cache = new Map<string, Promise<GeneratedFile>>();
const cacheSize = 16;

function remember(key: string, make: () => Promise<GeneratedFile>): Promise<GeneratedFile> {
  const known = cache.get(key);
  if (known) {
    cache.delete(key);
    cache.set(key, known);
    return known;
  }
  const made = make();
  cache.set(key, made);
  made.catch(() => cache.delete(key));
  while (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
  return made;
}

function render(format: SdkFormat, doc: Json, config: string | undefined): Promise<GeneratedFile> | GeneratedFile {
  const title = String((doc.info as Json | undefined)?.title ?? 'API');
  switch (format.type) {
    case 'openapi':
      return {
        fileName: 'openapi.json',
        contentType: 'application/json',
        body: JSON.stringify(doc, null, 2),
        headers: {},
      };
    case 'openapi-yaml':
      return { fileName: 'openapi.yaml', contentType: 'application/yaml', body: stringify(doc), headers: {} };
    case 'markdown':
      return { fileName: 'api.md', contentType: 'text/markdown; charset=utf-8', body: markdownOf(doc), headers: {} };
    case 'html':
      return {
        fileName: 'api.html',
        contentType: 'text/html; charset=utf-8',
        body: htmlOf(markdownOf(doc), title),
        headers: { 'content-security-policy': htmlPolicy, 'x-content-type-options': 'nosniff' },
      };
    default:
      return typescriptClient(doc, config).then(({ fileName, body }) => ({
        fileName,
        contentType: 'application/gzip',
        body,
        headers: {},
      }));
  }
}

/**
 * The document or client `type` of the API as `caller` sees it (audience.ts: public operations, those
 * their scopes open, or all for an admin), of the current configuration or of a release.
 */
export async function generateSdk(
  platform: Platform,
  type: string,
  options: { readonly caller: Caller; readonly config?: string; readonly release?: string },
): Promise<GeneratedFile> {
  const format = sdkFormat(type);
  if (!format) throw notFound(`Unknown generator type ${type}: one of ${sdkFormats.map((f) => f.type).join(', ')}`);
  const config = checkConfig(format, options.config);
  const release = await releaseOf(platform, options.release);
  const audience = audienceOf(platform.gateway.table.operations, options.caller);
  const doc = await buildOpenApi(platform, {
    release,
    ...(audience.all ? {} : { visible: (id: number) => audience.ids.has(id) }),
  });
  const digest = createHash('sha256').update(JSON.stringify(doc)).digest('base64url');
  return remember(`${format.type}\0${config ?? ''}\0${digest}`, async () => render(format, doc, config));
}
