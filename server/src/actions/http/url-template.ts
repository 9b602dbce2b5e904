import { badRequest } from '../../errors.js';
import type { ActionRequest } from '../../plugins/action.js';
import { requestRoots } from './rules.js';
import {
  compileText,
  compileValue,
  type Expression,
  evalExpression,
  type Scope,
  TemplateError,
  toText,
  type ValueTemplate,
} from './template.js';

type UrlPart = string | { readonly arg: string; readonly reserved: boolean } | Expression;

/** "..", "." between slashes (or backslashes, which some servers read as slashes). */
const dotSegment = /(?:^|[/\\])\.{1,2}(?:[/\\]|$)/;

/**
 * A value placed in the upstream path. Dot segments are refused outright: encoding them is not enough,
 * as many servers decode %2E and %2F before they normalize the path.
 */
function pathValue(value: string, name: string, reserved: boolean): string {
  if (dotSegment.test(value)) throw badRequest(`Parameter "${name}" must not contain "." or ".." path segments`);
  return reserved ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value);
}

/**
 * `/users/{id}`, `/users/:id` (a path or query parameter, encoded as one segment), `/files/{+path}`
 * (may span segments) and `{{ expression }}` placeholders in an action's URL.
 */
export class UrlTemplate {
  private readonly parts: UrlPart[] = [];
  readonly absolute: boolean;

  constructor(
    readonly source: string,
    where: string,
  ) {
    this.absolute = /^https?:\/\//i.test(source);
    if (!this.absolute && /^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
      throw new TemplateError(`${where}: only http and https URLs are supported`);
    }
    if (this.absolute && /[{}]/.test(/^https?:\/\/[^/?#]*/i.exec(source)?.[0] ?? '')) {
      // a caller must never choose the host a request goes to
      throw new TemplateError(`${where}: placeholders are not allowed in the host of a URL`);
    }
    let literal = '';
    let i = 0;
    const flush = () => {
      if (literal) this.parts.push(literal);
      literal = '';
    };
    while (i < source.length) {
      if (source.startsWith('{{', i)) {
        const close = source.indexOf('}}', i + 2);
        if (close === -1) throw new TemplateError(`${where}: "{{" without a closing "}}"`);
        flush();
        const text = compileText(source.slice(i, close + 2), requestRoots, where);
        this.parts.push(text.whole as Expression);
        i = close + 2;
        continue;
      }
      const ch = source[i] as string;
      if (ch === '{') {
        const close = source.indexOf('}', i);
        const inner = close === -1 ? '' : source.slice(i + 1, close);
        const m = /^(\+?)([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner);
        if (!m) throw new TemplateError(`${where}: "{${inner}" is not a parameter like {id} or {+path}`);
        flush();
        this.parts.push({ arg: m[2] as string, reserved: m[1] === '+' });
        i = close + 1;
        continue;
      }
      if (ch === ':' && source[i - 1] === '/') {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i + 1));
        if (m) {
          flush();
          this.parts.push({ arg: m[0], reserved: false });
          i += 1 + m[0].length;
          continue;
        }
      }
      literal += ch;
      i++;
    }
    flush();
  }

  render(request: ActionRequest, scope: () => Scope): string {
    let out = '';
    for (const part of this.parts) {
      if (typeof part === 'string') out += part;
      else if ('arg' in part) {
        const value = argument(request, part.arg);
        if (value === undefined) throw badRequest(`Missing parameter "${part.arg}"`);
        out += pathValue(value, part.arg, part.reserved);
      } else {
        out += pathValue(toText(evalExpression(part, scope())), 'expression', false);
      }
    }
    return out;
  }
}

function argument(request: ActionRequest, name: string): string | undefined {
  const fromPath = request.params[name];
  if (fromPath !== undefined) return fromPath;
  const fromQuery = request.query[name];
  return Array.isArray(fromQuery) ? fromQuery[0] : fromQuery;
}

export function encodeQuery(values: Readonly<Record<string, string | readonly string[] | undefined>>): string {
  let out = '';
  for (const name in values) {
    const value = values[name];
    if (value === undefined) continue;
    const key = encodeURIComponent(name);
    if (typeof value === 'string') out += `${out ? '&' : ''}${key}=${encodeURIComponent(value)}`;
    else for (const v of value) out += `${out ? '&' : ''}${key}=${encodeURIComponent(v)}`;
  }
  return out;
}

export function withQuery(url: string, query: string): string {
  if (!query) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** Fusio's `query` field: "a=b&c={{ path.id }}". */
export function compileFixedQuery(source: string | undefined, where: string): [string, ValueTemplate][] {
  if (!source) return [];
  const out: [string, ValueTemplate][] = [];
  for (const [name, value] of new URLSearchParams(source)) {
    out.push([name, compileValue(value, requestRoots, `${where}.${name}`)]);
  }
  return out;
}
