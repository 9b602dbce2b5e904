import cluster from 'node:cluster';
import type { SystemAbout, SystemHealthCheck, SystemRoute, SystemSchema } from 'fusio-sdk';
import { sql } from 'kysely';
import { type SignupMode, signupMode } from '../../accounts/accounts.js';
import { isUserCategory, platformCategoryIds, Status } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { notFound } from '../../errors.js';
import { response } from '../../plugins/action.js';
import { type PortalBranding, portalBranding } from '../../settings/branding.js';
import { portico } from '../../version.js';
import type { Platform } from '../platform.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';
import { buildOpenApi } from './openapi.js';
import { type PlatformApi, platformApis, platformOpenApiPath } from './openapi-platform.js';
import { generateSdk, sdkFormats, sdkLink } from './sdk/index.js';

export const systemOperations: SystemOperation[] = [
  systemOperation({
    name: 'system.meta.getHealth',
    method: 'GET',
    path: '/system/health',
    public: true,
    description: 'Whether this node can serve: the system database answers',
    async handler({ platform }) {
      // under `serve --workers N`: which worker answered (a replaced worker has a new id)
      const worker = cluster.worker ? { worker: cluster.worker.id } : {};
      try {
        await sql`select 1`.execute(platform.db);
        const body: SystemHealthCheck = { healthy: true, ...worker };
        return body;
      } catch (error) {
        platform.logger.warn({ err: error }, 'health check: system database unreachable');
        const body: SystemHealthCheck = { healthy: false, error: 'System database is not reachable', ...worker };
        return response(503, body);
      }
    },
  }),
  systemOperation({
    name: 'system.meta.getAbout',
    method: 'GET',
    path: '/system/about',
    public: true,
    description: 'Title, contact, license, categories, scopes, links and the portal branding of this API',
    handler: ({ platform }) => aboutDocument(platform),
  }),
  systemOperation({
    name: 'system.meta.getRoot',
    method: 'GET',
    path: '/',
    public: true,
    description: 'The discovery document (as /system/about); a browser is sent to the developer portal',
    async handler({ platform, request }) {
      if (prefersHtml(request.headers.accept)) {
        const portal = `${new URL(platform.config.publicUrl).pathname.replace(/\/+$/, '')}/apps/developer/`;
        return response(302, undefined, { location: portal, vary: 'Accept', 'cache-control': 'no-cache' });
      }
      return response(200, await aboutDocument(platform), { vary: 'Accept' });
    },
  }),
  systemOperation({
    name: 'system.meta.getRoutes',
    method: 'GET',
    path: '/system/route',
    public: true,
    description: 'Every route of the API: path → method → operation name',
    handler({ platform }) {
      const routes: NonNullable<SystemRoute['routes']> = {};
      for (const op of platform.gateway.table.operations) {
        if (!isUserCategory(op.categoryId)) continue;
        const methods = routes[op.path] ?? {};
        methods[op.method] = op.name;
        routes[op.path] = methods;
      }
      const sorted = Object.fromEntries(Object.entries(routes).sort(([a], [b]) => a.localeCompare(b)));
      const body: SystemRoute = { routes: sorted };
      return body;
    },
  }),
  systemOperation({
    name: 'system.meta.getSchema',
    method: 'GET',
    path: '/system/schema/:name',
    public: true,
    description: 'A schema by name, as JSON Schema',
    async handler({ platform, request }) {
      const name = request.params.name ?? '';
      const row = await platform.db
        .selectFrom('schemas')
        .select(['source', 'form'])
        .where('name', '=', name)
        .where('status', '=', Status.active)
        .executeTakeFirst();
      if (!row) throw notFound('Could not find schema');
      const body: SystemSchema = { schema: parseJsonColumn(row.source) ?? {} };
      const form = parseJsonColumn<Record<string, unknown>>(row.form);
      if (form) body.form = form;
      return body;
    },
  }),
  systemOperation({
    name: 'system.meta.getDebug',
    method: 'POST',
    path: '/system/debug',
    public: true,
    description: 'Echoes what Portico understood of the request: arguments and parsed body',
    handler({ request }) {
      return {
        class: 'ActionRequest',
        arguments: { ...request.query, ...request.params },
        payload: Buffer.isBuffer(request.body) ? request.body.toString('base64') : (request.body ?? null),
        context: 'HttpRequestContext',
      };
    },
  }),
  systemOperation({
    name: 'system.meta.getOpenAPI',
    method: 'GET',
    path: '/system/openapi',
    public: true,
    description:
      'OpenAPI 3.1 document of the operations this API offers; of a release with ?version=x.y.z or Api-Version: x.y.z',
    async handler({ platform, request }) {
      const asked = request.query.version ?? request.headers['api-version'];
      if (asked === undefined) return buildOpenApi(platform);
      const version = String(asked).trim();
      if (!(await platform.releases.exists(platform.db, version))) throw notFound(`Release ${version} does not exist`);
      return buildOpenApi(platform, { release: version });
    },
  }),
  systemOperation({
    name: 'system.generator.getAll',
    method: 'GET',
    path: '/system/generator',
    public: true,
    description: 'The documents and clients of the API Portico generates at /system/generator/{type} (Portico)',
    handler({ platform }) {
      return {
        types: sdkFormats.map(({ type, label, description }) => ({
          type,
          label,
          description,
          link: sdkLink(platform, type),
        })),
      };
    },
  }),
  systemOperation({
    name: 'system.generator.get',
    method: 'GET',
    path: '/system/generator/:type',
    public: true,
    description:
      'A document or client of the API (openapi, openapi-yaml, markdown, html, client-typescript) covering the ' +
      'operations the caller may call: the public ones, those the token has a scope for, all for an admin',
    async handler({ platform, request, caller }) {
      const query = request.query as Record<string, string | undefined>;
      const file = await generateSdk(platform, request.params.type ?? '', {
        caller,
        ...(query.config ? { config: query.config } : {}),
        ...(query.release ? { release: query.release } : {}),
      });
      const inline = file.contentType.startsWith('text/html') || file.contentType === 'application/json';
      return response(200, file.body, {
        'content-type': file.contentType,
        'content-disposition': `${inline ? 'inline' : 'attachment'}; filename="${file.fileName}"`,
        // the content follows the token: a shared cache must not hand one caller's file to another
        'cache-control': 'private, no-cache',
        vary: 'Authorization',
        ...file.headers,
      });
    },
  }),
];

/** The discovery document: the SDK's SystemAbout, plus `portal` (branding for the developer portal), which the SDK ignores. */
async function aboutDocument(
  platform: Platform,
): Promise<SystemAbout & { portal: PortalBranding & { signup: SignupMode } }> {
  const s = platform.settings;
  const base = platform.config.publicUrl;
  const scopes = await platform.db
    .selectFrom('scopes')
    .select('name')
    .where('category_id', 'not in', [...platformCategoryIds])
    .orderBy('name')
    .execute();
  return {
    apiVersion: portico.version,
    title: s.string('info_title'),
    description: s.string('info_description'),
    termsOfService: s.string('info_tos'),
    contactName: s.string('info_contact_name'),
    contactUrl: s.string('info_contact_url'),
    contactEmail: s.string('info_contact_email'),
    licenseName: s.string('info_license_name'),
    licenseUrl: s.string('info_license_url'),
    paymentCurrency: s.string('payment_currency'),
    categories: ['default', 'backend', 'consumer', 'system', 'authorization'],
    scopes: scopes.map((r) => r.name),
    apps: { fusio: `${base}/apps/backend`, developer: `${base}/apps/developer` },
    links: [
      { rel: 'root', href: `${base}/` },
      { rel: 'openapi', href: `${base}/system/openapi` },
      ...Object.keys(platformApis).map((api) => ({
        rel: `openapi-${api}`,
        href: `${base}${platformOpenApiPath(api as PlatformApi)}`,
      })),
      { rel: 'route', href: `${base}/system/route` },
      { rel: 'health', href: `${base}/system/health` },
      { rel: 'oauth2', href: `${base}/authorization/token` },
      { rel: 'whoami', href: `${base}/authorization/whoami` },
      { rel: 'about', href: `${base}/system/about` },
      { rel: 'portal', href: `${base}/apps/developer/` },
      { rel: 'account', href: `${base}/apps/account/` },
    ],
    portal: { ...portalBranding(s), signup: signupMode(platform) },
  };
}

/** Weight of a media type in an Accept header: its most specific matching range wins (RFC 9110 §12.5.1). */
function acceptWeight(ranges: { type: string; q: number }[], mediaType: string): number {
  const [major] = mediaType.split('/');
  let best = -1;
  let specificity = -1;
  for (const range of ranges) {
    const level = range.type === mediaType ? 2 : range.type === `${major}/*` ? 1 : range.type === '*/*' ? 0 : -1;
    if (level > specificity) {
      specificity = level;
      best = range.q;
    }
  }
  return Math.max(best, 0);
}

/** True when the client would rather have HTML than JSON: a browser navigating, not an API client. */
export function prefersHtml(accept: string | string[] | undefined): boolean {
  const header = Array.isArray(accept) ? accept.join(',') : accept;
  if (header === undefined || !header.includes('text/')) return false;
  const ranges = header
    .slice(0, 1024)
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      const weight = q ? Number(q.slice(2)) : 1;
      return { type, q: Number.isFinite(weight) ? weight : 0 };
    });
  return acceptWeight(ranges, 'text/html') > acceptWeight(ranges, 'application/json');
}
