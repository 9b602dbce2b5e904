import { placeholder, type SqlDialect } from './dialect.js';

/**
 * Named parameters in a configured query: `:name` (and Fusio's `{name}`, `{%name}`, `{name%}` for LIKE
 * patterns) become bound placeholders. The SQL is scanned once, skipping string literals, quoted
 * identifiers, comments, dollar-quoted bodies and `::` casts, so nothing inside them is mistaken for a
 * parameter and no value is ever written into the SQL text.
 */

export interface QueryParameter {
  readonly name: string;
  /** Fusio's `{%name}` / `{name%}`: the value gets a leading / trailing `%` */
  readonly prefix: '' | '%';
  readonly suffix: '' | '%';
}

export interface PreparedQuery {
  /** the SQL with the dialect's placeholders */
  readonly text: string;
  /** the parameter of each placeholder, in order */
  readonly parameters: readonly QueryParameter[];
}

export class QuerySyntaxError extends Error {}

const nameStart = /[A-Za-z_]/;
const namePart = /[A-Za-z0-9_]/;

export function prepareQuery(sql: string, dialect: SqlDialect): PreparedQuery {
  const out: string[] = [];
  const parameters: QueryParameter[] = [];
  let i = 0;
  let copied = 0;
  const n = sql.length;
  const emit = (end: number, parameter: QueryParameter, resume: number) => {
    out.push(sql.slice(copied, end));
    parameters.push(parameter);
    out.push(placeholder(dialect, parameters.length));
    copied = resume;
  };
  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === "'") {
      const escapes = dialect === 'mysql' || (dialect === 'postgres' && /[eE]/.test(sql[i - 1] ?? ''));
      i = skipQuoted(sql, i, "'", escapes);
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"', dialect === 'mysql');
    } else if (c === '`') {
      i = skipQuoted(sql, i, '`', false);
    } else if (c === '-' && next === '-') {
      i = skipLine(sql, i);
    } else if (c === '#' && dialect === 'mysql') {
      i = skipLine(sql, i);
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new QuerySyntaxError('The SQL has an unterminated /* comment');
      i = end + 2;
    } else if (c === '$' && dialect === 'postgres' && /[$A-Za-z_]/.test(next ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        if (end === -1) throw new QuerySyntaxError('The SQL has an unterminated dollar-quoted string');
        i = end + tag[0].length;
      } else {
        i++;
      }
    } else if (c === ':' && next === ':') {
      i += 2;
    } else if (c === ':' && nameStart.test(next ?? '') && sql[i - 1] !== ':') {
      let j = i + 1;
      while (j < n && namePart.test(sql[j] as string)) j++;
      emit(i, { name: sql.slice(i + 1, j), prefix: '', suffix: '' }, j);
      i = j;
    } else if (c === '{') {
      const match = /^\{(%?)([A-Za-z0-9_]+)(%?)\}/.exec(sql.slice(i, i + 200));
      if (match) {
        emit(
          i,
          {
            name: match[2] as string,
            prefix: match[1] === '%' ? '%' : '',
            suffix: match[3] === '%' ? '%' : '',
          },
          i + match[0].length,
        );
        i += match[0].length;
      } else {
        i++;
      }
    } else if (c === '?' && dialect !== 'postgres') {
      throw new QuerySyntaxError('Use named parameters (:name) instead of ? placeholders');
    } else if (c === '$' && dialect === 'postgres' && /\d/.test(next ?? '')) {
      throw new QuerySyntaxError('Use named parameters (:name) instead of $n placeholders');
    } else {
      i++;
    }
  }
  out.push(sql.slice(copied));
  return { text: out.join(''), parameters };
}

function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  throw new QuerySyntaxError(`The SQL has an unterminated ${quote} quote`);
}

function skipLine(sql: string, start: number): number {
  const end = sql.indexOf('\n', start);
  return end === -1 ? sql.length : end + 1;
}

/** The values to bind, in placeholder order; `lookup` answers a name (undefined → NULL). */
export function bindParameters(parameters: readonly QueryParameter[], lookup: (name: string) => unknown): unknown[] {
  return parameters.map((p) => {
    const value = lookup(p.name);
    if (value === undefined || value === null) return null;
    if (p.prefix || p.suffix) return `${p.prefix}${String(value)}${p.suffix}`;
    return value;
  });
}
