import { useEffect, useState } from 'react';
import { apiBaseUrl } from '../../../lib/runtime';

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: { type?: string };
}

export interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: unknown; example?: unknown }> };
}

export interface OpenApiDocument {
  info?: { title?: string; description?: string };
  paths?: Record<string, Record<string, OpenApiOperation>>;
  components?: { securitySchemes?: Record<string, { flows?: Record<string, { tokenUrl?: string }> }> };
}

/** One operation of the document, flattened for listing and searching. */
export interface Operation {
  key: string;
  method: string;
  path: string;
  tag: string;
  operation: OpenApiOperation;
  /** the scopes that open it; empty when it is public */
  scopes: string[];
  isPublic: boolean;
}

const methods = ['get', 'post', 'put', 'patch', 'delete'];

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const list: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of methods) {
      const operation = item[method];
      if (!operation) continue;
      const security = operation.security ?? [];
      list.push({
        key: `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        tag: operation.tags?.[0] ?? 'other',
        operation,
        scopes: security.flatMap((s) => s.oauth2 ?? []),
        isPublic: security.length === 0,
      });
    }
  }
  return list;
}

/** /system/openapi, Portico's description of this installation's API. */
export function useOpenApi() {
  const [state, setState] = useState<
    { state: 'loading' } | { state: 'ready'; doc: OpenApiDocument } | { state: 'error'; message: string }
  >({ state: 'loading' });
  useEffect(() => {
    let live = true;
    fetch(`${apiBaseUrl()}/system/openapi`, { headers: { accept: 'application/json' } })
      .then(async (res) => {
        if (!res.ok) throw new Error(`The API description answered ${res.status}`);
        return (await res.json()) as OpenApiDocument;
      })
      .then((doc) => live && setState({ state: 'ready', doc }))
      .catch((error: Error) => live && setState({ state: 'error', message: error.message }));
    return () => {
      live = false;
    };
  }, []);
  return state;
}
