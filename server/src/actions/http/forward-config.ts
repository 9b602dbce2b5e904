import { httpConnectionClass } from '../../connections/http.js';
import type { JsonSchema } from '../../plugins/action.js';
import { type ContentType, contentTypes } from './bodies.js';
import { TemplateError } from './template.js';

/** What a transformation may hold in memory; larger upstream answers are refused with 502. */
export const transformLimit = 10 * 1024 * 1024;

export type ContextHeaderStyle = 'portico' | 'fusio' | 'none';

/** The config fields HttpProcessor, HttpComposition and HttpLoadBalancer share (Fusio's, then Portico's). */
export interface ForwardConfig {
  connection?: string;
  type?: ContentType;
  authorization?: string;
  query?: string;
  request?: unknown;
  response?: unknown;
  contextHeaders?: ContextHeaderStyle;
}

export const connectionProperty: JsonSchema = {
  type: 'string',
  title: 'Connection',
  description: 'The HTTP connection (base URL, authentication, pool); optional when the URL is absolute',
  'x-form': 'connection',
  'x-connection-classes': [httpConnectionClass],
};

export const forwardProperties: Record<string, JsonSchema> = {
  type: {
    type: 'string',
    enum: [...contentTypes],
    title: 'Content-Type',
    description: 'The content type sent to the upstream; a JSON body is converted (e.g. to a form). Empty: as received',
  },
  authorization: {
    type: 'string',
    title: 'Authorization',
    description: 'Optional Authorization header for the upstream, instead of the connection’s authentication',
  },
  query: {
    type: 'string',
    title: 'Query',
    description: 'Fixed query parameters added to every call, e.g. format=json&lang=en',
  },
  request: {
    type: ['object', 'string'],
    title: 'Request rules',
    description: 'Map, rename or drop query parameters and headers, build the body (see docs/http-actions.md)',
    'x-form': 'textarea',
    'x-mode': 'json',
  },
  response: {
    type: ['object', 'string'],
    title: 'Response rules',
    description: 'Map status codes, pick and rename fields, hide upstream errors (see docs/http-actions.md)',
    'x-form': 'textarea',
    'x-mode': 'json',
  },
  contextHeaders: {
    type: 'string',
    enum: ['portico', 'fusio', 'none'],
    'x-labels': { portico: 'x-portico-*', fusio: 'x-fusio-* (as Fusio sends them)', none: 'None' },
    title: 'Context headers',
    description: 'Tell the upstream who is calling: user id and name, app id and key, operation, remote IP',
  },
};

export function protoOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).protocol.replace(':', '') || 'http';
  } catch {
    return 'http';
  }
}

/** Turns a config mistake found while compiling into the Error `create` reports as a 400. */
export function configError(error: unknown, action: string): Error {
  if (error instanceof TemplateError) return new Error(`${action} config: ${error.message}`);
  return error instanceof Error ? error : new Error(String(error));
}
