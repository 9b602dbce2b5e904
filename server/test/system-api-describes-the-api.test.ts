import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

const [sqlite] = (await systemDatabases()).filter((d) => d.kind === 'sqlite');

describe('the system API describes the running API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(sqlite!);
    const backend = h.admin.backend();
    await backend
      .schema()
      .create({ name: 'Money', source: { type: 'object', properties: { amount: { type: 'integer' } } } });
    await backend.schema().create({
      name: 'Product',
      source: { type: 'object', properties: { sku: { type: 'string' }, price: { $ref: 'Money' } } },
    });
    await backend.action().create({
      name: 'product',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: '{"sku":"A-1"}' },
    });
    await backend.operation().create({
      name: 'product.get',
      httpMethod: 'GET',
      httpPath: '/product/$sku<[A-Z]-[0-9]+>',
      action: 'product',
      outgoing: 'Product',
      public: true,
      description: 'One product',
      parameters: { currency: { type: 'string', description: 'ISO code' } },
    });
    await backend.operation().create({
      name: 'product.update',
      httpMethod: 'PUT',
      httpPath: '/product/:sku',
      action: 'product',
      incoming: 'Product',
      scopes: ['products'],
      stability: 0,
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reports health, about and routes of the API itself (not the backend)', async () => {
    const meta = h.anonymous().system().meta();
    expect(await meta.getHealth()).toEqual({ healthy: true });
    const about = await meta.getAbout();
    expect(about.apiVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(about.links?.map((l) => l.rel)).toEqual(expect.arrayContaining(['openapi', 'oauth2', 'health']));
    const routes = await meta.getRoutes();
    expect(routes.routes).toEqual({
      '/product/$sku<[A-Z]-[0-9]+>': { GET: 'product.get' },
      '/product/:sku': { PUT: 'product.update' },
    });
    const schema = await meta.getSchema('Product');
    expect(schema.schema).toMatchObject({ type: 'object' });
    const debug = await meta.getDebug({ hello: 'world' });
    expect(debug).toMatchObject({ payload: { hello: 'world' } });
  });

  it('publishes an OpenAPI 3.1 document with paths, parameters, schemas and security', async () => {
    const res = await h.fetch('/system/openapi');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    const get = doc.paths['/product/{sku}']?.get as {
      parameters: { name: string; in: string; schema: { pattern?: string } }[];
    };
    expect(get.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'sku', in: 'path', schema: { type: 'string', pattern: '^(?:[A-Z]-[0-9]+)$' } }),
        expect.objectContaining({ name: 'currency', in: 'query' }),
      ]),
    );
    // public: explicitly no security requirement
    expect((get as { security?: unknown }).security).toEqual([]);
    const put = doc.paths['/product/{sku}']?.put as { security: unknown; deprecated: boolean; requestBody: unknown };
    expect(put.security).toEqual([{ oauth2: ['products'] }, { bearer: [] }]);
    expect(put.deprecated).toBe(true);
    expect(JSON.stringify(put.requestBody)).toContain('#/components/schemas/Product');
    expect(JSON.stringify(doc.components.schemas.Product)).toContain('#/components/schemas/Money');
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/backend'))).toBe(false);
  });

  it('describes how to get a token for each operation: OAuth2 flows with PKCE, scopes and what they grant', async () => {
    await h.admin
      .backend()
      .scope()
      .update('~products', { description: 'Change the catalogue' } as never);
    const doc = (await (await h.fetch('/system/openapi')).json()) as {
      tags: { name: string; description: string }[];
      paths: Record<
        string,
        Record<
          string,
          {
            operationId: string;
            summary: string;
            tags: string[];
            security: unknown;
            responses: Record<string, unknown>;
          }
        >
      >;
      components: { securitySchemes: Record<string, Record<string, unknown>>; responses: Record<string, unknown> };
    };
    const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
    expect(operations.map((o) => o.operationId).sort()).toEqual(['product.get', 'product.update']);
    for (const o of operations) {
      expect(o.summary.length).toBeGreaterThan(0);
      expect(o.tags).toEqual(['product']);
      // every refusal has Fusio's error body
      expect(o.responses['4XX']).toEqual({ $ref: '#/components/responses/Error' });
    }
    expect(doc.paths['/product/{sku}']?.get?.summary).toBe('One product');
    expect(doc.paths['/product/{sku}']?.put?.summary).toBe('PUT /product/{sku}');
    expect(doc.tags).toEqual([{ name: 'product', description: 'Operations under /product' }]);
    expect(doc.components.responses).toHaveProperty('Error');

    const { oauth2, bearer } = doc.components.securitySchemes as Record<string, Record<string, unknown>>;
    expect(bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(oauth2?.description).toMatch(/PKCE/);
    const flows = oauth2?.flows as Record<string, Record<string, unknown>>;
    expect(flows.authorizationCode).toEqual({
      authorizationUrl: `${h.baseUrl}/authorization/authorize`,
      tokenUrl: `${h.baseUrl}/authorization/token`,
      refreshUrl: `${h.baseUrl}/authorization/token`,
      scopes: { default: 'Default scope', products: 'Change the catalogue' },
      'x-usePkce': true,
    });
    expect(flows.clientCredentials).toEqual({
      tokenUrl: `${h.baseUrl}/authorization/token`,
      refreshUrl: `${h.baseUrl}/authorization/token`,
      scopes: { default: 'Default scope', products: 'Change the catalogue' },
    });
    // every scope an operation asks for is one the flows offer
    const offered = Object.keys(flows.authorizationCode?.scopes as object);
    for (const o of operations) {
      for (const requirement of o.security as Record<string, string[]>[]) {
        for (const scope of requirement.oauth2 ?? []) expect(offered).toContain(scope);
      }
    }
  });

  it('echoes a client-chosen X-Request-Id and refuses an unsafe one', async () => {
    const mine = await h.fetch('/product/A-1', { headers: { 'x-request-id': 'trace-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    const unsafe = await h.fetch('/product/A-1', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
