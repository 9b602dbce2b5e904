import { Document, LineCounter, type Node, parseDocument } from 'yaml';
import { badRequest } from '../../errors.js';
import { describeValidationError, type JsonSchema, newAjv } from '../../schema/json-schema.js';
import { type Entry, kinds } from './kinds.js';

/** The configuration file: `version: 1` and one list per entity kind, entries keyed by name. */
export interface ConfigurationFile {
  readonly version: 1;
  readonly [list: string]: unknown;
}

/** Where the JSON Schema of the file is published by a running installation. */
export const schemaPath = '/system/configuration/schema';

/** The JSON Schema of a configuration file, made from the table of entity kinds. */
export function configurationSchema(): JsonSchema {
  const properties: Record<string, JsonSchema> = {
    version: { const: 1, description: 'the format version' },
  };
  for (const kind of kinds) {
    properties[kind.list] = {
      type: 'array',
      description: kind.description,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: kind.properties,
        required: [...kind.required],
      },
    };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Portico configuration',
    description: 'The configuration of a Portico installation as code: see docs/configuration-as-code.md',
    type: 'object',
    additionalProperties: false,
    required: ['version'],
    properties,
  };
}

let validator: ReturnType<ReturnType<typeof newAjv>['compile']> | undefined;

/** A mistake in the file, with the line it is on. */
export class FileError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
    this.name = 'FileError';
  }
}

/** A parsed file that can say which line any of its values is on. */
export class ParsedFile {
  constructor(
    readonly data: ConfigurationFile,
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The line of a value (1-based), or of its nearest parent that has one. */
  lineOf(path: readonly (string | number)[]): number | null {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.document.getIn(path.slice(0, depth), true) as Node | undefined;
      const offset = node?.range?.[0];
      if (offset !== undefined) return this.lines.linePos(offset).line;
    }
    return null;
  }

  /** The entries of one list. */
  entries(list: string): Entry[] {
    const value = this.data[list];
    return Array.isArray(value) ? (value as Entry[]) : [];
  }

  error(message: string, path: readonly (string | number)[]): FileError {
    return new FileError(message, this.lineOf(path));
  }
}

/** Parses and checks a configuration file's shape; the first mistake is thrown with its line. */
export function parseConfiguration(text: string): ParsedFile {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problem = document.errors[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line ?? lines.linePos(problem.pos[0]).line;
    throw new FileError(problem.message.split('\n')[0] ?? 'not valid YAML', line);
  }
  const data = document.toJS({ maxAliasCount: 100 }) as unknown;
  const parsed = new ParsedFile(data as ConfigurationFile, document, lines);
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new FileError('the file must be a mapping with `version: 1` and lists of entities', 1);
  }
  validator ??= newAjv({ verbose: true, allErrors: true }).compile(configurationSchema());
  if (!validator(data)) {
    // a misspelt field explains the required one that seems missing: name it first
    const errors = [...(validator.errors ?? [])].sort(
      (a, b) => Number(b.keyword === 'additionalProperties') - Number(a.keyword === 'additionalProperties'),
    );
    const error = errors[0];
    const path = (error?.instancePath ?? '').split('/').slice(1).map(unescapePointer);
    if (error?.keyword === 'additionalProperties') path.push(String(error.params.additionalProperty));
    throw parsed.error(describeValidationError(errors, 'File'), path);
  }
  for (const kind of kinds) {
    const seen = new Map<string, number>();
    parsed.entries(kind.list).forEach((entry, i) => {
      const key = String(entry[kind.key]);
      if (seen.has(key)) throw parsed.error(`${kind.list}: "${key}" is listed twice`, [kind.list, i, kind.key]);
      seen.set(key, i);
    });
  }
  return parsed;
}

function unescapePointer(segment: string): string | number {
  const text = segment.replaceAll('~1', '/').replaceAll('~0', '~');
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** `${env:NAME}`: a value the deploy takes from its environment (secrets, per-environment URLs). */
export const envReference = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function envReferenceTo(name: string): string {
  return `\${env:${name}}`;
}

/**
 * Replaces every `${env:NAME}` in the entry's strings with the variable's value. A missing variable is
 * an error naming its line; `unresolved` decides what a reference becomes when there is no environment.
 */
export function resolveEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>> | null,
  path: (string | number)[],
  onMissing: (name: string, path: (string | number)[]) => unknown,
): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
    if (whole) {
      const found = env?.[whole[1] as string];
      return found === undefined ? onMissing(whole[1] as string, path) : found;
    }
    return value.replace(envReference, (_all, name: string) => {
      const found = env?.[name];
      if (found === undefined) return String(onMissing(name, path));
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnv(v, env, [...path, i], onMissing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnv(v, env, [...path, k], onMissing)]));
  }
  return value;
}

/** The file as YAML, with the editor's schema line and a note on secrets at the top. */
export function renderConfiguration(data: ConfigurationFile, schemaUrl: string, notes: readonly string[]): string {
  const document = new Document(data);
  const header = [
    `yaml-language-server: $schema=${schemaUrl}`,
    'Portico configuration (docs/configuration-as-code.md). Apply with: portico deploy <file>',
    ...notes,
  ];
  document.commentBefore = header.map((line) => ` ${line}`).join('\n');
  // long Markdown and schemas read best as block scalars and nested maps
  return document.toString({ lineWidth: 0, blockQuote: 'literal' });
}

/** A bad request naming the line, for the backup API. */
export function fileProblem(error: unknown): Error {
  if (error instanceof FileError) return badRequest(error.message);
  return error as Error;
}
