import { describe, expect, it } from 'vitest';

/**
 * The admin app's pure helpers (web/src): the plugin form model and the schema editor's checks. They live
 * in the web workspace, which has no test runner of its own; imported by URL so the server's typecheck
 * (rootDir: server) does not take them in, with the shapes this test relies on spelled out here.
 */
interface Field {
  name: string;
  kind: string;
  label: string;
  required: boolean;
  options: { value: string; label: string }[];
}
type Values = Record<string, unknown>;
interface FormModel {
  fieldsOf(spec: unknown): Field[];
  valuesOf(fields: Field[], config: Values | undefined): Values;
  configOf(fields: Field[], values: Values): { config: Values; errors: Record<string, string> };
  fieldOfError(fields: Field[], message: string): string | null;
}
interface SchemaCheck {
  parseJson(text: string): { value: unknown } | { error: string };
  schemaProblems(source: unknown): { problems: string[]; refs: string[] };
  exampleOf(schema: unknown, resolve: (name: string) => unknown): unknown;
  checkExample(schema: unknown, others: Values, value: unknown): { valid: true } | { valid: false; errors: string[] };
}

const web = (file: string) => new URL(`../../web/src/${file}`, import.meta.url).href;
const model = (await import(web('components/plugin-form/model.ts'))) as FormModel;
const check = (await import(web('features/backend-plugins/schemas/schema-check.ts'))) as SchemaCheck;

// what GET /backend/connection/form?class=…Sql answers (server/src/actions/form.ts), cut down
const sqlForm = {
  element: [
    {
      element: 'select',
      type: 'select',
      name: 'type',
      title: 'Type',
      options: [{ key: 'pdo_pgsql', value: 'PostgreSQL' }],
    },
    { element: 'input', type: 'input', name: 'host', title: 'Host' },
    { element: 'input', type: 'input', name: 'port', title: 'Port' },
    { element: 'input', type: 'input', name: 'password', title: 'Password' },
    { element: 'checkbox', type: 'checkbox', name: 'ssl', title: 'TLS' },
    { element: 'collection', type: 'collection', name: 'columns', title: 'Columns' },
    { element: 'map', type: 'map', name: 'headers', title: 'Headers' },
    { element: 'textarea', type: 'textarea', name: 'response', title: 'Response', mode: 'json' },
  ],
  schema: {
    type: 'object',
    properties: {
      type: { type: 'string', enum: ['pdo_pgsql'] },
      host: { type: 'string' },
      port: { type: 'integer' },
      password: { type: 'string', 'x-secret': true },
      ssl: { type: 'boolean' },
      columns: { type: 'array', items: { type: 'string' } },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      response: { 'x-form': 'textarea', 'x-mode': 'json' },
    },
    required: ['type', 'host'],
  },
};

describe('the plugin form model', () => {
  const fields = model.fieldsOf(sqlForm);

  it('draws each element as the field its schema asks for', () => {
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['type', 'select', true],
      ['host', 'text', true],
      ['port', 'number', false],
      ['password', 'secret', false],
      ['ssl', 'checkbox', false],
      ['columns', 'list', false],
      ['headers', 'map', false],
      ['response', 'json', false],
    ]);
    expect(fields[0]?.options).toEqual([{ value: 'pdo_pgsql', label: 'PostgreSQL' }]);
  });

  it('turns what was typed into the config: typed values, optional blanks left out, the secret mask kept', () => {
    const values = model.valuesOf(fields, {
      type: 'pdo_pgsql',
      host: 'db',
      port: 5432,
      password: '********',
      headers: { 'x-a': '1' },
      response: { ok: true },
    });
    expect(values.port).toBe('5432');
    expect(values.response).toBe('{\n  "ok": true\n}');
    const { config, errors } = model.configOf(fields, { ...values, columns: ['id', ' title ', ''] });
    expect(errors).toEqual({});
    expect(config).toEqual({
      type: 'pdo_pgsql',
      host: 'db',
      port: 5432,
      password: '********',
      ssl: false,
      columns: ['id', 'title'],
      headers: { 'x-a': '1' },
      // Fusio keeps such a body as JSON text
      response: '{\n  "ok": true\n}',
    });
  });

  it('refuses before sending what cannot be right, naming the field', () => {
    const values = model.valuesOf(fields, { type: 'pdo_pgsql', host: 'db' });
    const { errors } = model.configOf(fields, { ...values, port: '54.5', response: '{oops' });
    expect(errors.port).toBe('Enter a whole number');
    expect(errors.response).toMatch(/^This is not valid JSON/);
  });

  it("places the API's refusal under the field it names", () => {
    expect(model.fieldOfError(fields, 'Connection config: property /port must match pattern "^[0-9]{0,5}$"')).toBe(
      'port',
    );
    expect(model.fieldOfError(fields, 'Action config: property /limit must be a positive integer')).toBeNull();
    expect(model.fieldOfError(fields, 'Could not connect to "host"')).toBe('host');
    expect(model.fieldOfError(fields, 'Connection could not be established')).toBeNull();
  });
});

describe("the schema editor's checks", () => {
  it('says where JSON breaks', () => {
    const result = check.parseJson('{\n  "type": "object",\n}');
    expect('error' in result && result.error).toMatch(/line 3/);
  });

  it('finds what Ajv would refuse, and the schemas referred to', () => {
    expect(
      check.schemaProblems({
        type: 'object',
        properties: { a: { type: 'text' }, b: { $ref: 'Address' }, c: { type: 'string', pattern: '(' } },
        required: 'a',
      }),
    ).toEqual({
      problems: [
        '/required must be an array of property names',
        '/properties/a/type: "text" is not a JSON Schema type',
        '/properties/c/pattern is not a valid regular expression',
      ],
      refs: ['Address'],
    });
    expect(check.schemaProblems([]).problems).toEqual(['A schema must be a JSON object']);
  });

  it('makes an example that fits, and checks a changed one against the schema and its references', () => {
    const address = { type: 'object', properties: { city: { type: 'string', minLength: 2 } }, required: ['city'] };
    const schema = {
      type: 'object',
      properties: {
        id: { type: 'integer', minimum: 10 },
        email: { type: 'string', format: 'email' },
        tags: { type: 'array', items: { type: 'string' } },
        address: { $ref: 'Address' },
      },
      required: ['id'],
    };
    const example = check.exampleOf(schema, (name) => (name === 'Address' ? address : undefined));
    expect(example).toEqual({ id: 10, email: 'someone@example.com', tags: ['text'], address: { city: 'text' } });
    expect(check.checkExample(schema, { Address: address }, example)).toEqual({ valid: true });
    const wrong = check.checkExample(schema, { Address: address }, { id: 'x', address: {} });
    expect(wrong.valid).toBe(false);
    expect(!wrong.valid && wrong.errors.join('\n')).toMatch(/\/id: .*integer/);
    expect(!wrong.valid && wrong.errors.join('\n')).toMatch(/\/address: .*city/);
    expect(check.checkExample(schema, {}, example)).toEqual({
      valid: false,
      errors: ['The schema refers to "Address", which does not exist'],
    });
  });
});
