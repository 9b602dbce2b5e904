import cluster from 'node:cluster';
import type { SystemAbout, SystemHealthCheck, SystemRoute, SystemSchema } from 'fusio-sdk';
import { sql } from 'kysely';
import { response } from '../../actions/action.js';
import { Category, Status } from '../../db/schema.js';
import { notFound } from '../../errors.js';
import { portico } from '../../version.js';
import { parseJsonColumn } from '../http.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';
import { buildOpenApi } from './openapi.js';

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
    description: 'Title, contact, license, categories, scopes and links of this API',
    async handler({ platform }) {
      const s = platform.settings;
      const base = platform.config.publicUrl;
      const scopes = await platform.db
        .selectFrom('scopes')
        .select('name')
        .where('category_id', '=', Category.default)
        .orderBy('name')
        .execute();
      const about: SystemAbout = {
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
          { rel: 'route', href: `${base}/system/route` },
          { rel: 'health', href: `${base}/system/health` },
          { rel: 'oauth2', href: `${base}/authorization/token` },
          { rel: 'whoami', href: `${base}/authorization/whoami` },
          { rel: 'about', href: `${base}/system/about` },
        ],
      };
      return about;
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
        if (op.categoryId !== Category.default) continue;
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
    description: 'OpenAPI 3.1 document of the operations this API offers',
    async handler({ platform }) {
      return buildOpenApi(platform);
    },
  }),
];
