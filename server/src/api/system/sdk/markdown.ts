import type { Json } from '../openapi.js';

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const schemaPrefix = '#/components/schemas/';

/** One operation of an OpenAPI document, in the order the document lists them. */
export interface DocumentedOperation {
  readonly method: string;
  readonly path: string;
  readonly operation: Json;
}

export function operationsOf(doc: Json): DocumentedOperation[] {
  const list: DocumentedOperation[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const method of methods) {
      const operation = item[method] as Json | undefined;
      if (operation) list.push({ method: method.toUpperCase(), path, operation });
    }
  }
  return list;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes (the HTML page uses the same). */
export function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Text in a table cell: one line, pipes escaped. */
function cell(text: unknown): string {
  return String(text ?? '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|');
}

/** A name in code: backticks cannot end it early. */
function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** A fenced JSON block whose fence no backtick run inside can close. */
function jsonBlock(value: unknown): string {
  const text = JSON.stringify(value, null, 2);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}json\n${text}\n${fence}`;
}

function schemaHeading(name: string): string {
  return `Schema ${name}`;
}

/** A schema as a link to its section, or its JSON in a code block. */
function schemaText(schema: unknown): { inline: string | null; block: string | null } {
  if (!schema || typeof schema !== 'object' || Object.keys(schema).length === 0) return { inline: 'any', block: null };
  const ref = (schema as Json).$ref;
  if (typeof ref === 'string' && ref.startsWith(schemaPrefix)) {
    const name = ref.slice(schemaPrefix.length);
    return { inline: `[${cell(name)}](#${anchorOf(schemaHeading(name))})`, block: null };
  }
  return { inline: null, block: jsonBlock(schema) };
}

function jsonSchemaOf(content: unknown): unknown {
  return ((content as Json | undefined)?.['application/json'] as Json | undefined)?.schema;
}

function typeOf(schema: Json | undefined): string {
  if (!schema) return 'string';
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'string');
  return schema.pattern ? `${type} (${code(String(schema.pattern))})` : type;
}

/** Who may call an operation, from its `security`. */
function accessOf(operation: Json): string {
  const security = (operation.security ?? []) as Record<string, string[]>[];
  if (security.length === 0) return 'public: no token needed';
  const scopes = [...new Set(security.flatMap((s) => s.oauth2 ?? []))];
  return scopes.length > 0
    ? `a token with one of the scopes ${scopes.map(code).join(', ')}`
    : 'a token (no scope opens it yet)';
}

function operationSection(op: DocumentedOperation, out: string[]): void {
  const { operation } = op;
  out.push(`#### ${op.method} ${op.path}`, '');
  // the summary is worth a line when it says more than the heading (Portico's fallback is method and path)
  if (operation.summary && operation.summary !== `${op.method} ${op.path}`)
    out.push(`**${cell(operation.summary)}**`, '');
  const facts = [`Operation ${code(String(operation.operationId ?? ''))}`, `Access: ${accessOf(operation)}`];
  if (operation.deprecated) facts.push('**Deprecated**');
  else if (operation['x-stability']) facts.push(`Stability: ${String(operation['x-stability'])}`);
  out.push(facts.map((fact) => `- ${fact}`).join('\n'), '');
  if (operation.description && operation.description !== operation.summary) {
    out.push(String(operation.description), '');
  }
  const parameters = (operation.parameters ?? []) as Json[];
  if (parameters.length > 0) {
    out.push('| Parameter | In | Type | Required | Description |', '| --- | --- | --- | --- | --- |');
    for (const p of parameters) {
      out.push(
        `| ${cell(code(String(p.name)))} | ${cell(p.in)} | ${cell(typeOf(p.schema as Json))} | ${p.required ? 'yes' : 'no'} | ${cell(p.description)} |`,
      );
    }
    out.push('');
  }
  const body = operation.requestBody as Json | undefined;
  if (body) {
    const schema = schemaText(jsonSchemaOf(body.content));
    out.push(`Request body (\`application/json\`): ${schema.inline ?? ''}`, '');
    if (schema.block) out.push(schema.block, '');
  }
  const responses = Object.entries((operation.responses ?? {}) as Record<string, Json>);
  if (responses.length > 0) {
    out.push('| Status | Meaning | Body |', '| --- | --- | --- |');
    const blocks: string[] = [];
    for (const [status, answer] of responses) {
      if (typeof answer.$ref === 'string') {
        out.push(`| ${cell(status)} | the error body: ${code('{success, title, message}')} | |`);
        continue;
      }
      const schema = schemaText(jsonSchemaOf(answer.content));
      out.push(`| ${cell(status)} | ${cell(answer.description)} | ${schema.inline ?? `below (${cell(status)})`} |`);
      if (schema.block) blocks.push(`${status}:`, '', schema.block, '');
    }
    out.push('', ...blocks);
  }
}

/**
 * A Markdown reference of an OpenAPI document as Portico builds it (`buildOpenApi`): the base URL, how to
 * authenticate, every operation by tag with its access, parameters, body and answers, then the schemas.
 * Descriptions are the installation's own Markdown, kept as written.
 */
export function markdownOf(doc: Json): string {
  const info = (doc.info ?? {}) as Json;
  const server = ((doc.servers ?? []) as Json[])[0]?.url as string | undefined;
  const out: string[] = [`# ${cell(info.title ?? 'API')}`, ''];
  if (info.description) out.push(String(info.description), '');
  const facts = [`Version: ${cell(info.version)}`];
  if (server) facts.push(`Base URL: ${code(server)}`);
  out.push(facts.map((fact) => `- ${fact}`).join('\n'), '');

  const schemes = ((doc.components as Json | undefined)?.securitySchemes ?? {}) as Json;
  const flows = ((schemes.oauth2 as Json | undefined)?.flows ?? {}) as Record<string, Json>;
  const tokenUrl = flows.clientCredentials?.tokenUrl as string | undefined;
  const scopes = (flows.clientCredentials?.scopes ?? {}) as Record<string, string>;
  out.push('## Authentication', '');
  out.push(
    'Public operations need no token. The others need an access token sent as `Authorization: Bearer <token>`' +
      (tokenUrl ? `, from the token URL ${code(tokenUrl)} (OAuth 2.0) or made in the developer portal.` : '.'),
    '',
  );
  if (Object.keys(scopes).length > 0) {
    out.push('| Scope | What it opens |', '| --- | --- |');
    for (const [name, description] of Object.entries(scopes))
      out.push(`| ${cell(code(name))} | ${cell(description)} |`);
    out.push('');
  }

  const operations = operationsOf(doc);
  out.push('## Operations', '');
  if (operations.length === 0) out.push('No operation is open to you.', '');
  const byTag = new Map<string, DocumentedOperation[]>();
  for (const op of operations) {
    const tag = String(((op.operation.tags ?? []) as string[])[0] ?? 'default');
    byTag.set(tag, [...(byTag.get(tag) ?? []), op]);
  }
  for (const [tag, list] of [...byTag].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`### ${tag === 'default' ? '/' : `/${cell(tag)}`}`, '');
    for (const op of list) operationSection(op, out);
  }

  const schemas = Object.entries(((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, unknown>);
  if (schemas.length > 0) {
    out.push('## Schemas', '');
    for (const [name, schema] of schemas) {
      out.push(`### ${schemaHeading(name)}`, '', jsonBlock(schema), '');
    }
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
