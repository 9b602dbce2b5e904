import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationSchema, FileError, parseConfiguration, resolveEnv } from './file.js';
import { importOpenApi } from './openapi.js';

describe('the configuration file', () => {
  it('is described by the JSON Schema published in docs/ (regenerate: portico export --schema -o docs/portico.schema.json)', () => {
    const published = fs.readFileSync(
      path.resolve(import.meta.dirname, '../../../../docs/portico.schema.json'),
      'utf8',
    );
    expect(JSON.parse(published)).toEqual(configurationSchema());
  });

  it('names the line of a YAML mistake, a misspelt field, a wrong type and a name listed twice', () => {
    const cases: [string, RegExp][] = [
      ['version: 1\nschemas:\n  - name: A\n    source: {\n', /^line \d+: /],
      [
        'version: 1\nschemas:\n  - name: Foo\n    sorce: {}\n',
        /^line 4: File: property \/schemas\/0\/sorce is not allowed/,
      ],
      [
        'version: 1\noperations:\n  - name: a.b\n    httpMethod: GET\n    httpPath: /x\n    action: y\n    public: maybe\n',
        /^line 7: .*public must be boolean/,
      ],
      ['version: 1\nscopes:\n  - name: one\n  - name: two\n  - name: one\n', /^line 5: scopes: "one" is listed twice/],
      ['version: 2\n', /^line 1: .*version/],
      ['- a\n- b\n', /^line 1: the file must be a mapping/],
    ];
    for (const [text, expected] of cases) {
      let thrown: unknown;
      try {
        parseConfiguration(text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, text).toBeInstanceOf(FileError);
      expect((thrown as Error).message, text).toMatch(expected);
    }
  });

  it('reads \u0024{env:NAME} from the environment, whole or inside a string, and reports a missing one', () => {
    const missing: string[] = [];
    const value = resolveEnv(
      { url: 'https://\u0024{env:HOST}/api', token: '\u0024{env:TOKEN}', list: ['\u0024{env:NOPE}'] },
      { HOST: 'legacy.internal', TOKEN: 's3cret' },
      ['connections', 0],
      (name, at) => {
        missing.push(`${name}@${at.join('.')}`);
        return '';
      },
    );
    expect(value).toEqual({ url: 'https://legacy.internal/api', token: 's3cret', list: [''] });
    expect(missing).toEqual(['NOPE@connections.0.list.0']);
  });
});

describe('an OpenAPI 3 document', () => {
  it('becomes proxy actions, operations in Fusio path syntax and schemas by name', () => {
    const doc = `openapi: 3.0.3
info: { title: Servers, version: 1.0.0 }
paths:
  /servers/{id}:
    get:
      operationId: getServer
      summary: One server
      security: [{ bearer: [] }]
      responses:
        '200':
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Server' }
  /servers:
    post:
      requestBody:
        content:
          application/json:
            schema: { type: object, properties: { name: { type: string } } }
      responses:
        '201': { description: created }
components:
  schemas:
    Server: { type: object, properties: { id: { type: integer }, owner: { $ref: '#/components/schemas/Owner' } } }
    Owner: { type: object }
`;
    const { file, operations } = importOpenApi(doc, 'http://legacy.internal:8080/');
    expect(operations).toBe(2);
    expect(file.operations).toEqual([
      expect.objectContaining({
        name: 'getServer',
        httpMethod: 'GET',
        httpPath: '/servers/:id',
        public: false,
        outgoing: 'Server',
        action: 'getServer',
        description: 'One server',
      }),
      expect.objectContaining({
        name: 'post.servers',
        httpMethod: 'POST',
        httpPath: '/servers',
        public: true,
        httpCode: 201,
        incoming: 'post-servers-request',
      }),
    ]);
    expect(file.actions).toEqual([
      expect.objectContaining({ name: 'getServer', config: { url: 'http://legacy.internal:8080/servers/{id}' } }),
      expect.objectContaining({ name: 'post-servers', config: { url: 'http://legacy.internal:8080/servers' } }),
    ]);
    const server = (file.schemas as { name: string; source: { properties: { owner: unknown } } }[]).find(
      (s) => s.name === 'Server',
    );
    expect(server?.source.properties.owner).toEqual({ $ref: 'Owner' });
    expect(() => importOpenApi('swagger: "2.0"\n', 'http://x')).toThrow('not an OpenAPI 3 document');
  });
});
