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
    expect((get as { security?: unknown }).security).toBeUndefined();
    const put = doc.paths['/product/{sku}']?.put as { security: unknown; deprecated: boolean; requestBody: unknown };
    expect(put.security).toEqual([{ oauth2: ['products'] }, { bearer: [] }]);
    expect(put.deprecated).toBe(true);
    expect(JSON.stringify(put.requestBody)).toContain('#/components/schemas/Product');
    expect(JSON.stringify(doc.components.schemas.Product)).toContain('#/components/schemas/Money');
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/backend'))).toBe(false);
  });

  it('echoes a client-chosen X-Request-Id and refuses an unsafe one', async () => {
    const mine = await h.fetch('/product/A-1', { headers: { 'x-request-id': 'trace-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    const unsafe = await h.fetch('/product/A-1', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
