import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBody, encodeForm, formFields } from './bodies.js';
import { compileRequestRules, compileResponseRules, requestRoots, type Values } from './rules.js';
import { compileText, compileValue, evaluate, renderText } from './template.js';
import { UrlTemplate } from './url-template.js';

const roots = new Set(['body', 'query', 'header', 'user']);
const scope = {
  body: { name: 'Ada', age: '36', tags: ['x', 'y'], 'first name': 'A', nested: { list: [{ id: 1 }, { id: 2 }] } },
  query: { page: '2' },
  header: { 'x-api-key': 'k-1' },
  user: { id: 7 },
};

describe('the template language', () => {
  it('keeps the type of a lone placeholder and makes text of mixed ones', () => {
    expect(evaluate(compileValue('{{ body.age | integer }}', roots, 't'), scope)).toBe(36);
    expect(evaluate(compileValue('{{ body.tags }}', roots, 't'), scope)).toEqual(['x', 'y']);
    expect(evaluate(compileValue('user-{{ user.id }}/{{ body.tags }}', roots, 't'), scope)).toBe('user-7/["x","y"]');
    expect(evaluate(compileValue('plain text', roots, 't'), scope)).toBe('plain text');
  });

  it('reads names with dashes, indexes and quoted keys', () => {
    const t = (s: string) => evaluate(compileValue(s, roots, 't'), scope);
    expect(t('{{ header.x-api-key }}')).toBe('k-1');
    expect(t('{{ body.nested.list[1].id }}')).toBe(2);
    expect(t('{{ body.nested.list.0.id }}')).toBe(1);
    expect(t('{{ body["first name"] }}')).toBe('A');
    expect(t("{{ body['first name'] | lower }}")).toBe('a');
  });

  it('never reaches the prototype chain', () => {
    const t = (s: string) => evaluate(compileValue(s, roots, 't'), scope);
    expect(t('{{ body.__proto__ }}')).toBeUndefined();
    expect(t('{{ body.constructor }}')).toBeUndefined();
    expect(t('{{ body.name.constructor }}')).toBeUndefined();
  });

  it('applies filters, including defaults for missing values', () => {
    const t = (s: string) => evaluate(compileValue(s, roots, 't'), scope);
    expect(t('{{ body.missing | default("none") }}')).toBe('none');
    expect(t('{{ body.missing | default(3) }}')).toBe(3);
    expect(t('{{ body.name | upper }}')).toBe('ADA');
    expect(t('{{ body.tags | join("|") }}')).toBe('x|y');
    expect(t('{{ body.tags | first }}')).toBe('x');
    expect(t('{{ query.page | number }}')).toBe(2);
    expect(t('{{ "yes" | boolean }}')).toBe(true);
    expect(t('{{ body.name | json }}')).toBe('"Ada"');
    expect(t('{{ body.name | json_encode | raw }}')).toBe('"Ada"');
    expect(t('{{ "a b&c" | url }}')).toBe('a%20b%26c');
    expect(t('{{ body.name | number }}')).toBeUndefined();
  });

  it('takes text out of an HTML answer with match: the first group, the whole match, or nothing', () => {
    const html = { body: '<p class="flash" data-state="starting">Server <b>web-1</b> is starting</p>' };
    const t = (s: string) => evaluate(compileValue(s, new Set(['body']), 't'), html);
    expect(t(`{{ body | match('data-state="([a-z]+)"') }}`)).toBe('starting');
    expect(t(`{{ body | match('<b>([^<]*)</b>') | upper }}`)).toBe('WEB-1');
    expect(t(`{{ body | match('is [a-z]+') }}`)).toBe('is starting');
    expect(t(`{{ body | match('data-id="([0-9]+)"') }}`)).toBeUndefined();
    expect(() => compileValue(`{{ body | match('(unclosed') }}`, roots, 'rule')).toThrow(/filter "match"/);
    expect(() => compileValue('{{ body | match(3) }}', roots, 'rule')).toThrow(/regular expression/);
  });

  it('leaves out fields whose value is missing and maps lists with $each', () => {
    const template = compileValue(
      {
        name: '{{ body.name }}',
        gone: '{{ body.nope }}',
        ids: { $each: '{{ body.nested.list }}', $map: { id: '{{ item.id }}', at: '{{ index }}' } },
        fixed: [1, '{{ user.id }}', '{{ body.nope }}'],
      },
      roots,
      'body',
    );
    expect(evaluate(template, scope)).toEqual({
      name: 'Ada',
      ids: [
        { id: 1, at: 0 },
        { id: 2, at: 1 },
      ],
      fixed: [1, 7],
    });
  });

  it('names the mistake in a broken template', () => {
    expect(() => compileText('{{ bdy.name }}', roots, 'request.body')).toThrow(
      'request.body: unknown name "bdy" (known: body, header, query, user)',
    );
    expect(() => compileText('{{ body.name | shout }}', roots, 'x')).toThrow('unknown filter "shout"');
    expect(() => compileText('{{ body.name ', roots, 'x')).toThrow('"{{" without a closing "}}"');
    expect(() => compileText('{{ body..name }}', roots, 'x')).toThrow('expected a name after "."');
    expect(() => compileValue({ $each: '{{ body.tags }}', other: 1 }, roots, 'x')).toThrow('may only have "$map"');
  });

  it('renders text with an encoder for each placeholder', () => {
    const text = compileText('/search?q={{ body.name }} {{ query.page }}', roots, 't');
    expect(renderText(text, scope, encodeURIComponent)).toBe('/search?q=Ada 2');
  });
});

describe('request and response rules', () => {
  it('renames, then drops, then sets', () => {
    const rules = compileRequestRules({
      headers: { rename: { 'X-Old': 'x-new' }, drop: ['x-secret-*', 'cookie'], set: { 'X-User': '{{ user.id }}' } },
    });
    const headers: Values = { 'x-old': 'v', 'x-secret-a': '1', cookie: 'c', 'x-user': 'forged', keep: 'k' };
    rules.headers?.apply(headers, () => ({ user: { id: 5 } }));
    expect(headers).toEqual({ 'x-new': 'v', 'x-user': '5', keep: 'k' });
  });

  it('removes a value whose template is missing, so a caller cannot slip it through', () => {
    const rules = compileRequestRules({ query: { set: { user: '{{ user.id }}' } } });
    const query: Values = { user: 'admin' };
    rules.query?.apply(query, () => ({ user: {} }));
    expect(query).toEqual({});
  });

  it('refuses a header value with a line break from caller data', () => {
    const rules = compileRequestRules({ headers: { set: { 'X-Name': '{{ body.name }}' } } });
    expect(() => rules.headers?.apply({}, () => ({ body: { name: 'a\r\nX-Admin: 1' } }))).toThrow(
      'The value for header "x-name" is not allowed',
    );
  });

  it('maps status codes exactly or by class', () => {
    const rules = compileResponseRules('{"status": {"404": 200, "5xx": 502}}');
    expect(rules.status?.map(404)).toBe(200);
    expect(rules.status?.map(503)).toBe(502);
    expect(rules.status?.map(201)).toBe(201);
    expect(() => compileResponseRules({ status: { '6xx': 1 } })).toThrow();
    expect(() => compileResponseRules({ status: { '404': 999 } })).toThrow('between 100 and 599');
  });

  it('refuses unknown keys and malformed JSON', () => {
    expect(() => compileRequestRules({ header: {} })).toThrow('unknown key "header"');
    expect(() => compileRequestRules('{not json')).toThrow('request must be a JSON object');
    expect(() => compileRequestRules({ query: { keep: [] } })).toThrow('unknown rule "keep"');
    expect(() => compileRequestRules({ method: 'FETCH' })).toThrow('is not an HTTP method');
    expect(requestRoots.has('payload')).toBe(true);
  });
});

describe('URL templates', () => {
  const request = {
    method: 'GET',
    path: '/x',
    params: { id: 'a b', rest: 'dir/file.txt' },
    query: { q: 'x&y' },
    headers: {},
    body: undefined,
    ip: '127.0.0.1',
    requestId: 'r',
  };
  it('fills {name}, :name and {+name} from path, then query parameters', () => {
    const url = new UrlTemplate('/users/:id/{+rest}?q={q}&literal=a:b', 'url');
    expect(url.render(request, () => ({}))).toBe('/users/a%20b/dir/file.txt?q=x%26y&literal=a:b');
    expect(new UrlTemplate('http://host:8080/a/{id}', 'url').absolute).toBe(true);
  });
  it('refuses other schemes and broken placeholders', () => {
    expect(() => new UrlTemplate('ftp://host/x', 'url')).toThrow('only http and https');
    expect(() => new UrlTemplate('/x/{id', 'url')).toThrow('is not a parameter');
    expect(() => new UrlTemplate('http://{host}/x', 'url')).toThrow('not allowed in the host');
    expect(() => new UrlTemplate('http://api.{{ query.env }}.internal/x', 'url')).toThrow('not allowed in the host');
  });
});

describe('bodies', () => {
  it('flattens values in PHP bracket notation for legacy forms', () => {
    expect(formFields({ a: 1, b: { c: [true, false] }, d: null })).toEqual([
      ['a', '1'],
      ['b[c][0]', '1'],
      ['b[c][1]', '0'],
    ]);
    expect(encodeForm({ 'x y': 'a&b' })).toBe('x+y=a%26b');
    expect(() => formFields(['not', 'an', 'object'])).toThrow('must be an object');
  });

  it('decodes compressed JSON and forms from the upstream', async () => {
    const gz = await promisify(zlib.gzip)(Buffer.from('{"a":1}'));
    expect(await decodeBody(gz, { 'content-encoding': 'gzip', 'content-type': 'application/json' })).toEqual({ a: 1 });
    expect(await decodeBody(Buffer.from('a=1&b=2'), { 'content-type': 'application/x-www-form-urlencoded' })).toEqual({
      a: '1',
      b: '2',
    });
    expect(await decodeBody(Buffer.from('<p>hi</p>'), { 'content-type': 'text/html' })).toBe('<p>hi</p>');
    await expect(decodeBody(Buffer.from('{'), { 'content-type': 'application/json' })).rejects.toThrow('invalid JSON');
  });
});
