import { badRequest } from '../../errors.js';
import { parseJsonText } from '../../json.js';
import { compileValue, evaluate, type Scope, TemplateError, toText, type ValueTemplate } from './template.js';

/** Rules for a set of named values (query parameters or headers), applied in this order. */
export interface ParamRulesConfig {
  /** start from the caller's values (default true) or from nothing */
  forward?: boolean;
  /** old name → new name */
  rename?: Record<string, string>;
  /** names to remove; a trailing `*` matches a prefix (`x-internal-*`) */
  drop?: string[];
  /** name → template; a template whose value is missing removes the name */
  set?: Record<string, unknown>;
}

export interface RequestRulesConfig {
  /** the upstream's method (default: the caller's) */
  method?: string;
  query?: ParamRulesConfig;
  headers?: ParamRulesConfig;
  /** the upstream body, built from a template (default: the caller's body, unchanged) */
  body?: unknown;
}

export interface ResponseRulesConfig {
  /** upstream status → status for the caller; keys are codes ("404") or classes ("5xx") */
  status?: Record<string, number>;
  headers?: ParamRulesConfig;
  /** the caller's body, built from the upstream's 2xx answer (default: the upstream body, streamed) */
  body?: unknown;
  /** "pass" (default): upstream 4xx/5xx bodies go to the caller; "fusio": a Fusio error body instead */
  errors?: 'pass' | 'fusio';
}

export type Values = Record<string, string | string[]>;

/** The names a request template may use. */
export const requestRoots: ReadonlySet<string> = new Set([
  'path',
  'uriFragments',
  'query',
  'arguments',
  'header',
  'headers',
  'body',
  'payload',
  'user',
  'app',
  'operation',
  'context',
  'request',
]);

/** Response templates see the upstream's answer as `body`, `status` and `headers` (the rest as for requests). */
export const responseRoots: ReadonlySet<string> = new Set([...requestRoots, 'status']);

export class ParamRules {
  readonly forward: boolean;
  private readonly rename: [string, string][];
  private readonly dropExact: Set<string>;
  private readonly dropPrefixes: string[];
  private readonly set: [string, ValueTemplate][];

  constructor(
    config: ParamRulesConfig,
    roots: ReadonlySet<string>,
    where: string,
    private readonly caseless: boolean,
  ) {
    const norm = caseless ? (s: string) => s.toLowerCase() : (s: string) => s;
    this.forward = config.forward !== false;
    this.rename = Object.entries(config.rename ?? {}).map(([from, to]) => {
      if (typeof to !== 'string' || to === '') throw new TemplateError(`${where}.rename.${from} must be a name`);
      return [norm(from), norm(to)];
    });
    this.dropExact = new Set();
    this.dropPrefixes = [];
    for (const name of config.drop ?? []) {
      if (name.endsWith('*')) this.dropPrefixes.push(norm(name.slice(0, -1)));
      else this.dropExact.add(norm(name));
    }
    this.set = Object.entries(config.set ?? {}).map(([name, value]) => [
      norm(name),
      compileValue(value, roots, `${where}.set.${name}`),
    ]);
  }

  get empty(): boolean {
    const noRules = this.rename.length === 0 && this.set.length === 0;
    return this.forward && noRules && this.dropExact.size === 0 && this.dropPrefixes.length === 0;
  }

  /** Applies rename, drop and set to `values` in place. */
  apply(values: Values, scope: () => Scope): void {
    for (const [from, to] of this.rename) {
      const value = values[from];
      if (value === undefined) continue;
      delete values[from];
      values[to] = value;
    }
    if (this.dropExact.size > 0 || this.dropPrefixes.length > 0) {
      for (const name of Object.keys(values)) {
        if (this.dropExact.has(name) || this.dropPrefixes.some((p) => name.startsWith(p))) delete values[name];
      }
    }
    if (this.set.length === 0) return;
    const s = scope();
    for (const [name, template] of this.set) {
      const value = evaluate(template, s);
      if (value === undefined || value === null) delete values[name];
      else {
        const text = Array.isArray(value) ? value.map(toText) : toText(value);
        if (this.caseless) assertHeaderValue(name, text);
        values[name] = text;
      }
    }
  }
}

/** A header value built from caller data must not smuggle in a line break (another header). */
export function assertHeaderValue(name: string, value: string | string[]): void {
  const values = Array.isArray(value) ? value : [value];
  if (values.some((v) => /[\r\n\0]/.test(v))) throw badRequest(`The value for header "${name}" is not allowed`);
}

export class StatusMap {
  private readonly exact = new Map<number, number>();
  private readonly byClass = new Map<number, number>();

  constructor(config: Record<string, number>, where: string) {
    for (const [key, to] of Object.entries(config)) {
      if (!Number.isInteger(to) || to < 100 || to > 599) {
        throw new TemplateError(`${where}.${key} must be an HTTP status between 100 and 599`);
      }
      if (/^\d{3}$/.test(key)) this.exact.set(Number(key), to);
      else if (/^[1-5]xx$/i.test(key)) this.byClass.set(Number(key[0]), to);
      else throw new TemplateError(`${where}: "${key}" is neither a status code nor a class like "5xx"`);
    }
  }

  map(status: number): number {
    return this.exact.get(status) ?? this.byClass.get(Math.floor(status / 100)) ?? status;
  }
}

export interface RequestRules {
  readonly method: string | undefined;
  readonly query: ParamRules | null;
  readonly headers: ParamRules | null;
  readonly body: ValueTemplate | null;
}

export interface ResponseRules {
  readonly status: StatusMap | null;
  readonly headers: ParamRules | null;
  readonly body: ValueTemplate | null;
  readonly errors: 'pass' | 'fusio';
}

const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Fusio-style UIs store structured config as JSON text; both forms are accepted. */
export function objectConfig(value: unknown, where: string): Record<string, unknown> | null {
  if (value === undefined || value === null || value === '') return null;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = parseJsonText(value);
    } catch {
      throw new TemplateError(`${where} must be a JSON object`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TemplateError(`${where} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function paramRules(value: unknown, roots: ReadonlySet<string>, where: string, caseless: boolean): ParamRules | null {
  const config = objectConfig(value, where);
  if (!config) return null;
  for (const key of Object.keys(config)) {
    if (!['forward', 'rename', 'drop', 'set'].includes(key)) {
      throw new TemplateError(`${where}: unknown rule "${key}" (use forward, rename, drop, set)`);
    }
  }
  if (config.drop !== undefined && !(Array.isArray(config.drop) && config.drop.every((d) => typeof d === 'string'))) {
    throw new TemplateError(`${where}.drop must be a list of names`);
  }
  for (const key of ['rename', 'set'] as const) {
    const v = config[key];
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) {
      throw new TemplateError(`${where}.${key} must be an object`);
    }
  }
  const rules = new ParamRules(config as ParamRulesConfig, roots, where, caseless);
  return rules.empty ? null : rules;
}

export function compileRequestRules(value: unknown, where = 'request'): RequestRules {
  const config = objectConfig(value, where) ?? {};
  for (const key of Object.keys(config)) {
    if (!['method', 'query', 'headers', 'body'].includes(key)) {
      throw new TemplateError(`${where}: unknown key "${key}" (use method, query, headers, body)`);
    }
  }
  let method: string | undefined;
  if (config.method !== undefined && config.method !== '') {
    method = String(config.method).toUpperCase();
    if (!methods.has(method)) throw new TemplateError(`${where}.method "${config.method}" is not an HTTP method`);
  }
  return {
    method,
    query: paramRules(config.query, requestRoots, `${where}.query`, false),
    headers: paramRules(config.headers, requestRoots, `${where}.headers`, true),
    body: 'body' in config ? compileValue(config.body, requestRoots, `${where}.body`) : null,
  };
}

export function compileResponseRules(value: unknown, where = 'response'): ResponseRules {
  const config = objectConfig(value, where) ?? {};
  for (const key of Object.keys(config)) {
    if (!['status', 'headers', 'body', 'errors'].includes(key)) {
      throw new TemplateError(`${where}: unknown key "${key}" (use status, headers, body, errors)`);
    }
  }
  const status = objectConfig(config.status, `${where}.status`);
  if (config.errors !== undefined && config.errors !== 'pass' && config.errors !== 'fusio') {
    throw new TemplateError(`${where}.errors must be "pass" or "fusio"`);
  }
  return {
    status: status ? new StatusMap(status as Record<string, number>, `${where}.status`) : null,
    headers: paramRules(config.headers, responseRoots, `${where}.headers`, true),
    body: 'body' in config ? compileValue(config.body, responseRoots, `${where}.body`) : null,
    errors: config.errors === 'fusio' ? 'fusio' : 'pass',
  };
}
