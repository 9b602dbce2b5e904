/**
 * The small template language of the HTTP actions (documented in docs/http-actions.md).
 *
 *   {{ body.customer.name }}          a value from the request (or, in response rules, the upstream answer)
 *   {{ header.x-api-key }}            names may contain "-"; `[0]` and `["odd name"]` index too
 *   {{ query.page | integer }}        filters: json, url, lower, upper, trim, string, number, integer,
 *                                     boolean, first, join(","), default("x"), match('re(gex)') (Twig's json_encode,
 *                                     url_encode, raw and escape are accepted as aliases)
 *
 * A string that is exactly one `{{ … }}` yields the value with its type (a number stays a number, an
 * object stays an object, a missing value leaves its field out). Text around placeholders makes a string.
 * Structured templates are JSON whose strings are templates; `{"$each": "{{ body.rows }}", "$map": {…}}`
 * maps every element (bound to `item` and `index`).
 */

export type Scope = Readonly<Record<string, unknown>>;

export class TemplateError extends Error {}

type Key = string | number;

interface Filter {
  readonly name: string;
  readonly arg: unknown;
  /** `match`'s argument, compiled once when the template is */
  readonly pattern?: RegExp;
}

export type Expression =
  | { readonly kind: 'path'; readonly root: string; readonly keys: readonly Key[]; readonly filters: readonly Filter[] }
  | { readonly kind: 'literal'; readonly value: unknown; readonly filters: readonly Filter[] };

export interface TextTemplate {
  /** literal strings and expressions, in order */
  readonly parts: readonly (string | Expression)[];
  /** set when the whole template is a single expression: it yields a typed value */
  readonly whole: Expression | null;
}

export type ValueTemplate =
  | { readonly kind: 'text'; readonly text: TextTemplate }
  | { readonly kind: 'constant'; readonly value: unknown }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, ValueTemplate])[] }
  | { readonly kind: 'array'; readonly items: readonly ValueTemplate[] }
  | { readonly kind: 'each'; readonly source: ValueTemplate; readonly map: ValueTemplate };

const filterNames = new Set([
  'json',
  'url',
  'lower',
  'upper',
  'trim',
  'string',
  'number',
  'integer',
  'boolean',
  'first',
  'join',
  'default',
  'match',
]);
const filterAliases: Record<string, string> = {
  json_encode: 'json',
  url_encode: 'url',
  int: 'integer',
  bool: 'boolean',
  raw: '',
  escape: '',
  e: '',
};

/** Parses one template string; `roots` are the names it may refer to (a typo is a config error). */
export function compileText(source: string, roots: ReadonlySet<string>, where: string): TextTemplate {
  const parts: (string | Expression)[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    if (open === -1) {
      parts.push(source.slice(at));
      break;
    }
    if (open > at) parts.push(source.slice(at, open));
    const close = source.indexOf('}}', open + 2);
    if (close === -1) throw new TemplateError(`${where}: "{{" without a closing "}}"`);
    parts.push(parseExpression(source.slice(open + 2, close), roots, where));
    at = close + 2;
  }
  const only = parts.length === 1 && typeof parts[0] !== 'string' ? (parts[0] as Expression) : null;
  return { parts, whole: only };
}

/** True when the string contains a placeholder. */
export function hasPlaceholder(source: string): boolean {
  return source.includes('{{');
}

export function compileValue(value: unknown, roots: ReadonlySet<string>, where: string): ValueTemplate {
  if (typeof value === 'string') {
    if (!hasPlaceholder(value)) return { kind: 'constant', value };
    return { kind: 'text', text: compileText(value, roots, where) };
  }
  if (Array.isArray(value)) {
    return { kind: 'array', items: value.map((item, i) => compileValue(item, roots, `${where}[${i}]`)) };
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('$each' in record) {
      const keys = Object.keys(record);
      if (keys.some((k) => k !== '$each' && k !== '$map')) {
        throw new TemplateError(`${where}: an object with "$each" may only have "$map" beside it`);
      }
      const inner = new Set([...roots, 'item', 'index']);
      return {
        kind: 'each',
        source: compileValue(record.$each, roots, `${where}.$each`),
        map: '$map' in record ? compileValue(record.$map, inner, `${where}.$map`) : itemTemplate,
      };
    }
    return {
      kind: 'object',
      entries: Object.entries(record).map(([k, v]) => [k, compileValue(v, roots, `${where}.${k}`)] as const),
    };
  }
  return { kind: 'constant', value };
}

const itemTemplate: ValueTemplate = {
  kind: 'text',
  text: { parts: [], whole: { kind: 'path', root: 'item', keys: [], filters: [] } },
};

/** The typed value of a structured template; fields whose value is missing are left out. */
export function evaluate(template: ValueTemplate, scope: Scope): unknown {
  switch (template.kind) {
    case 'constant':
      return template.value;
    case 'text':
      return template.text.whole ? evalExpression(template.text.whole, scope) : renderText(template.text, scope);
    case 'array': {
      const out: unknown[] = [];
      for (const item of template.items) {
        const v = evaluate(item, scope);
        if (v !== undefined) out.push(v);
      }
      return out;
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, child] of template.entries) {
        const v = evaluate(child, scope);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    case 'each': {
      const list = evaluate(template.source, scope);
      if (list === undefined || list === null) return undefined;
      const items = Array.isArray(list) ? list : [list];
      return items.map((item, index) => evaluate(template.map, { ...scope, item, index }));
    }
  }
}

/** The template as text; `encode` is applied to each placeholder's text (e.g. URL encoding). */
export function renderText(template: TextTemplate, scope: Scope, encode?: (text: string) => string): string {
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') out += part;
    else {
      const text = toText(evalExpression(part, scope));
      out += encode ? encode(text) : text;
    }
  }
  return out;
}

/** How a value reads inside text: nothing for missing values, JSON for objects and arrays. */
export function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function evalExpression(expression: Expression, scope: Scope): unknown {
  let value: unknown;
  if (expression.kind === 'literal') value = expression.value;
  else {
    value = own(scope, expression.root);
    for (const key of expression.keys) {
      if (value === undefined || value === null) break;
      value = own(value, key);
    }
  }
  for (const filter of expression.filters) value = applyFilter(filter, value);
  return value;
}

/** Own properties only: a template never reaches the prototype chain. */
function own(value: unknown, key: Key): unknown {
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'string' && typeof key === 'number' ? value[key] : undefined;
  }
  if (Array.isArray(value)) {
    const index = typeof key === 'number' ? key : /^\d+$/.test(key) ? Number(key) : -1;
    return index >= 0 ? value[index] : key === 'length' ? value.length : undefined;
  }
  const name = String(key);
  return Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
}

function applyFilter(filter: Filter, value: unknown): unknown {
  switch (filter.name) {
    case 'json':
      return JSON.stringify(value === undefined ? null : value);
    case 'url':
      return encodeURIComponent(toText(value));
    case 'lower':
      return value === undefined ? value : toText(value).toLowerCase();
    case 'upper':
      return value === undefined ? value : toText(value).toUpperCase();
    case 'trim':
      return value === undefined ? value : toText(value).trim();
    case 'string':
      return value === undefined ? value : toText(value);
    case 'number': {
      if (value === undefined || value === null || value === '') return undefined;
      const n = Number(value);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'integer': {
      if (value === undefined || value === null || value === '') return undefined;
      const n = Math.trunc(Number(value));
      return Number.isFinite(n) ? n : undefined;
    }
    case 'boolean': {
      if (value === undefined) return undefined;
      if (typeof value === 'string') {
        const s = value.trim().toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(s)) return true;
        if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
      }
      return Boolean(value);
    }
    case 'first':
      return Array.isArray(value) ? value[0] : value;
    case 'join':
      return Array.isArray(value) ? value.map(toText).join(toText(filter.arg ?? ',')) : value;
    case 'default':
      return value === undefined || value === null || value === '' ? filter.arg : value;
    case 'match': {
      // text out of an HTML or plain answer: the first group (or the whole match); no match leaves it out
      if (value === undefined || value === null || !filter.pattern) return undefined;
      const found = filter.pattern.exec(toText(value));
      return found ? (found[1] ?? found[0]) : undefined;
    }
    default:
      return value;
  }
}

// ---- parsing --------------------------------------------------------------------------------------

class Cursor {
  at = 0;
  constructor(
    readonly text: string,
    readonly where: string,
  ) {}
  skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at] as string)) this.at++;
  }
  peek(): string {
    return this.text[this.at] ?? '';
  }
  done(): boolean {
    this.skipSpace();
    return this.at >= this.text.length;
  }
  fail(message: string): never {
    throw new TemplateError(`${this.where}: ${message} in "{{${this.text}}}"`);
  }
  match(pattern: RegExp): string | null {
    pattern.lastIndex = this.at;
    const m = pattern.exec(this.text);
    if (!m || m.index !== this.at) return null;
    this.at += m[0].length;
    return m[0];
  }
}

const identifier = /[A-Za-z_][A-Za-z0-9_]*/y;
const key = /[A-Za-z0-9_-]+/y;
const numberLiteral = /-?\d+(?:\.\d+)?/y;

function parseExpression(text: string, roots: ReadonlySet<string>, where: string): Expression {
  const c: Cursor = new Cursor(text, where);
  c.skipSpace();
  let expression: Expression;
  const literal = parseLiteral(c);
  if (literal.found) {
    expression = { kind: 'literal', value: literal.value, filters: [] };
  } else {
    const root = c.match(identifier);
    if (!root) c.fail('expected a name');
    if (!roots.has(root)) {
      c.fail(`unknown name "${root}" (known: ${[...roots].sort().join(', ')})`);
    }
    const keys: Key[] = [];
    for (;;) {
      if (c.peek() === '.') {
        c.at++;
        const k = c.match(key);
        if (!k) c.fail('expected a name after "."');
        keys.push(/^\d+$/.test(k) ? Number(k) : k);
      } else if (c.peek() === '[') {
        c.at++;
        c.skipSpace();
        const inner = parseLiteral(c);
        if (!inner.found || (typeof inner.value !== 'string' && typeof inner.value !== 'number')) {
          c.fail('expected a number or a quoted name inside [ ]');
        }
        c.skipSpace();
        if (c.peek() !== ']') c.fail('expected "]"');
        c.at++;
        keys.push(inner.value as Key);
      } else break;
    }
    expression = { kind: 'path', root, keys, filters: [] };
  }
  const filters: Filter[] = [];
  for (;;) {
    c.skipSpace();
    if (c.peek() !== '|') break;
    c.at++;
    c.skipSpace();
    const raw = c.match(identifier);
    if (!raw) c.fail('expected a filter name after "|"');
    const name = raw in filterAliases ? (filterAliases[raw] as string) : raw;
    if (name !== '' && !filterNames.has(name)) c.fail(`unknown filter "${raw}"`);
    let arg: unknown;
    c.skipSpace();
    if (c.peek() === '(') {
      c.at++;
      c.skipSpace();
      const parsed = parseLiteral(c);
      if (!parsed.found) c.fail(`filter "${raw}" takes a quoted string or a number`);
      arg = parsed.value;
      c.skipSpace();
      if (c.peek() !== ')') c.fail('expected ")"');
      c.at++;
    }
    if (name === 'match') {
      if (typeof arg !== 'string') c.fail('filter "match" takes a regular expression in quotes');
      let pattern: RegExp;
      try {
        pattern = new RegExp(arg);
      } catch (error) {
        c.fail(`filter "match": ${(error as Error).message}`);
      }
      filters.push({ name, arg, pattern });
    } else if (name !== '') filters.push({ name, arg });
  }
  if (!c.done()) c.fail(`unexpected "${c.text.slice(c.at)}"`);
  return { ...expression, filters };
}

function parseLiteral(c: Cursor): { found: true; value: unknown } | { found: false } {
  const quote = c.peek();
  if (quote === '"' || quote === "'") {
    let out = '';
    let i = c.at + 1;
    for (; i < c.text.length; i++) {
      const ch = c.text[i] as string;
      if (ch === '\\' && i + 1 < c.text.length) {
        out += c.text[++i];
        continue;
      }
      if (ch === quote) break;
      out += ch;
    }
    if (i >= c.text.length) c.fail('unterminated string');
    c.at = i + 1;
    return { found: true, value: out };
  }
  const n = c.match(numberLiteral);
  if (n !== null) return { found: true, value: Number(n) };
  for (const [word, value] of [
    ['true', true],
    ['false', false],
    ['null', null],
  ] as const) {
    if (c.text.startsWith(word, c.at) && !/[A-Za-z0-9_.[-]/.test(c.text[c.at + word.length] ?? '')) {
      c.at += word.length;
      return { found: true, value };
    }
  }
  return { found: false };
}
