import FindMyWay from 'find-my-way';
import { parsePath } from './path.js';
import { type CompiledOperation, type HttpMethod, httpMethods } from './types.js';

export type RouteMatch =
  | { readonly kind: 'operation'; readonly operation: CompiledOperation; readonly params: Record<string, string> }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

interface RouteStore {
  operation: CompiledOperation;
  rest: string | null;
}

const notFound: RouteMatch = { kind: 'not-found' };

function newRouter() {
  return FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 1000, caseSensitive: true });
}

/**
 * The routing table of one configuration generation: immutable once built, replaced as a whole when
 * the configuration changes, so a request sees either the old table or the new one — never a mix.
 */
export class RoutingTable {
  private readonly router = newRouter();
  private readonly byName = new Map<string, CompiledOperation>();

  constructor(
    readonly generation: number,
    operations: readonly CompiledOperation[],
    onRejected: (operation: CompiledOperation, error: Error) => void = () => {},
  ) {
    for (const operation of operations) {
      try {
        this.add(operation);
      } catch (error) {
        onRejected(operation, error as Error);
      }
    }
  }

  /** Throws when the operation's path is invalid or clashes with a route already in the table. */
  private add(operation: CompiledOperation): void {
    const parsed = parsePath(operation.path);
    const store: RouteStore = { operation, rest: parsed.rest };
    this.router.on(operation.method, parsed.pattern, noop, store);
    this.byName.set(operation.name, operation);
  }

  get operations(): IterableIterator<CompiledOperation> {
    return this.byName.values();
  }

  operation(name: string): CompiledOperation | undefined {
    return this.byName.get(name);
  }

  find(method: string, path: string): RouteMatch {
    const lookup: string = method === 'HEAD' ? 'GET' : method;
    if (lookup !== 'OPTIONS') {
      const found = this.router.find(lookup as HttpMethod, path);
      if (found) {
        const store = found.store as RouteStore;
        return { kind: 'operation', operation: store.operation, params: paramsOf(found.params, store.rest) };
      }
    }
    const allow = this.allowedMethods(path);
    if (allow.length === 0) return notFound;
    return { kind: 'method-not-allowed', allow };
  }

  /** The methods a path answers to, with HEAD for GET and OPTIONS always. */
  allowedMethods(path: string): string[] {
    const allow: string[] = [];
    for (const method of httpMethods) {
      if (this.router.find(method, path)) {
        allow.push(method);
        if (method === 'GET') allow.push('HEAD');
      }
    }
    if (allow.length > 0) allow.push('OPTIONS');
    return allow;
  }
}

function noop(): void {}

function paramsOf(raw: Record<string, string | undefined>, rest: string | null): Record<string, string> {
  const params: Record<string, string> = {};
  for (const key in raw) {
    const value = raw[key];
    if (value === undefined) continue;
    if (key === '*') params[rest ?? '*'] = value;
    else params[key] = value;
  }
  return params;
}

/** Checks that a set of operations can live in one table (valid paths, no clashing routes). */
export function checkRoutes(operations: readonly Pick<CompiledOperation, 'method' | 'path' | 'name'>[]): void {
  const router = newRouter();
  for (const op of operations) {
    const parsed = parsePath(op.path);
    try {
      router.on(op.method, parsed.pattern, noop);
    } catch {
      throw new RouteConflictError(
        `An operation already answers ${op.method} on a path of the same shape as ${op.path}`,
      );
    }
  }
}

export class RouteConflictError extends Error {}
