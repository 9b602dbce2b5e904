import { describe, expect, it } from 'vitest';
import { htmlOf } from './html.js';
import { anchorOf, markdownOf } from './markdown.js';

const doc = {
  openapi: '3.1.0',
  info: { title: 'Shop | Store', version: '1.0.0', description: 'Sells <b>things</b>.' },
  servers: [{ url: 'https://api.example.com' }],
  paths: {
    '/item/{id}': {
      get: {
        operationId: 'item.get',
        summary: 'One item',
        description:
          'See [docs](https://docs.example.com) or [this](javascript:alert(1)). ![x](https://t.example/p.png)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^a|b$' } }],
        security: [],
        responses: {
          200: {
            description: 'Item',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
          },
        },
      },
      put: {
        operationId: 'item.put',
        security: [{ oauth2: ['items'] }, { bearer: [] }],
        requestBody: { content: { 'application/json': { schema: { type: 'object', description: 'has ``` inside' } } } },
        responses: { '4XX': { $ref: '#/components/responses/Error' } },
      },
    },
  },
  components: { schemas: { Item: { type: 'object', properties: { name: { type: 'string' } } } } },
};

describe('the Markdown reference', () => {
  const markdown = markdownOf(doc);

  it('names every operation with who may call it, and links schemas to their section', () => {
    expect(markdown).toContain('#### GET /item/{id}');
    expect(markdown).toContain('Operation `item.get`');
    expect(markdown).toContain('Access: public: no token needed');
    expect(markdown).toContain('Access: a token with one of the scopes `items`');
    expect(markdown).toContain(`[Item](#${anchorOf('Schema Item')})`);
    expect(markdown).toContain('### Schema Item');
  });

  it('keeps tables and code blocks whole whatever the text holds', () => {
    expect(markdown).toContain('# Shop \\| Store');
    expect(markdown).toContain('| string (`^a\\|b$`) |');
    // a fence one longer than any backtick run inside
    expect(markdown).toContain('````json\n{\n  "type": "object",\n  "description": "has ``` inside"\n}\n````');
  });
});

describe('the HTML page', () => {
  const html = htmlOf(markdownOf(doc), 'Shop <Store>');

  it('shows raw HTML as text, keeps web links, drops script links and outside images', () => {
    expect(html).toContain('<title>Shop &lt;Store&gt;</title>');
    expect(html).toContain('Sells &lt;b&gt;things&lt;/b&gt;.');
    expect(html).toContain('<a href="https://docs.example.com/">docs</a>');
    expect(html).not.toContain('javascript:');
    expect(html).toContain(' or this.');
    expect(html).not.toContain('t.example');
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('<meta http-equiv="Content-Security-Policy" content="default-src \'none\';');
  });

  it('gives headings the anchors the links use', () => {
    expect(html).toContain(`<h3 id="${anchorOf('Schema Item')}">Schema Item</h3>`);
    expect(html).toContain(`href="#${anchorOf('Schema Item')}"`);
  });
});
