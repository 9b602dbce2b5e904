import FindMyWay from 'find-my-way';
import { type ParsedPath, parsePath } from './path.js';
import { type CompiledOperation, type HttpMethod, httpMethods } from './types.js';

export type RouteMatch =
  | { readonly kind: 'operation'; readonly operation: CompiledOperation; readonly params: Record<string, string> }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

/** What the router holds per route: a slot in the table's entries (the router may outlive a table). */
interface RouteStore {
  readonly slot: number;
}

interface Entry {
  readonly operation: CompiledOperation;
  readonly rest: string | null;
}

const notFound: RouteMatch = { kind: 'not-found' };

function newRouter() {
  return FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 1000, caseSensitive: true });
}

/**
 * A find-my-way router shared by consecutive tables while routes are only added: building a route
 * costs tens of microseconds (find-my-way compiles functions per node), so 10,000 operations take
 * seconds to build from nothing but nothing to keep. A route key once given a slot keeps it; a table
 * only knows the slots of its own routes, so an older table that shares the router sees a newer
 * route as absent. Removing a route (or moving an operation to another path) builds a new router:
 * find-my-way's own removal rebuilds everything anyway, and an older table keeps the router it had.
 */
class SharedRouter {
  readonly router = newRouter();
  readonly slots = new Map<string, number>();
}

/**
 * The routing table of one configuration generation: immutable once built, replaced as a whole when
 * the configuration changes, so a request sees either the old table or the new one — never a mix.
 * Built from the previous table, it reuses the previous router when no route went away.
 */
export class RoutingTable {
  private readonly shared: SharedRouter;
  private readonly entries: (Entry | undefined)[] = [];
  private readonly byName = new Map<string, CompiledOperation>();
  /** parsed paths, handed on to the next table so an unchanged path is not parsed again */
  private readonly paths = new Map<string, ParsedPath>();

  constructor(
    readonly generation: number,
    operations: readonly CompiledOperation[],
    onRejected: (operation: CompiledOperation, error: Error) => void = () => {},
    previous?: RoutingTable,
  ) {
    const keyed: { operation: CompiledOperation; key: string; pattern: string; rest: string | null }[] = [];
    const keys = new Set<string>();
    for (const operation of operations) {
      try {
        const parsed = previous?.paths.get(operation.path) ?? parsePath(operation.path);
        this.paths.set(operation.path, parsed);
        const key = `${operation.method} ${parsed.pattern}`;
        keyed.push({ operation, key, pattern: parsed.pattern, rest: parsed.rest });
        keys.add(key);
      } catch (error) {
        onRejected(operation, error as Error);
      }
    }
    this.shared = previous && keepsEveryRoute(previous.shared, keys) ? previous.shared : new SharedRouter();
    const { router, slots } = this.shared;
    for (const { operation, key, pattern, rest } of keyed) {
      let slot = slots.get(key);
      if (slot === undefined) {
        try {
          slot = slots.size;
          router.on(operation.method, pattern, noop, { slot } satisfies RouteStore);
          slots.set(key, slot);
        } catch (error) {
          onRejected(operation, error as Error);
          continue;
        }
      } else if (this.entries[slot]) {
        onRejected(operation, new Error(`Method '${operation.method}' already declared for route '${pattern}'`));
        continue;
      }
      this.entries[slot] = { operation, rest };
      this.byName.set(operation.name, operation);
    }
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
      const found = this.shared.router.find(lookup as HttpMethod, path);
      const entry = found ? this.entries[(found.store as RouteStore).slot] : undefined;
      if (found && entry) {
        return { kind: 'operation', operation: entry.operation, params: paramsOf(found.params, entry.rest) };
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
      const found = this.shared.router.find(method, path);
      if (found && this.entries[(found.store as RouteStore).slot]) {
        allow.push(method);
        if (method === 'GET') allow.push('HEAD');
      }
    }
    if (allow.length > 0) allow.push('OPTIONS');
    return allow;
  }
}

/** Every route of the shared router is still wanted (a route only added keeps the router). */
function keepsEveryRoute(shared: SharedRouter, keys: ReadonlySet<string>): boolean {
  for (const key of shared.slots.keys()) if (!keys.has(key)) return false;
  return true;
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

/**
 * Checks that a set of operations can live in one table (valid paths, no clashing routes). Two routes
 * can only clash when their method and shape (static segments, a parameter, a rest) are the same, so
 * only such groups are put through a router: a check among 10,000 operations stays in milliseconds.
 */
export function checkRoutes(operations: readonly Pick<CompiledOperation, 'method' | 'path' | 'name'>[]): void {
  const groups = new Map<string, { method: HttpMethod; pattern: string; path: string }[]>();
  for (const op of operations) {
    const parsed = parsePath(op.path);
    const shape = `${op.method} ${parsed.pattern
      .split('/')
      .map((segment) => (segment.startsWith(':') ? ':' : segment.startsWith('*') ? '*' : segment))
      .join('/')}`;
    const route = { method: op.method, pattern: parsed.pattern, path: op.path };
    const group = groups.get(shape);
    if (group) group.push(route);
    else groups.set(shape, [route]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const router = newRouter();
    for (const route of group) {
      try {
        router.on(route.method, route.pattern, noop);
      } catch {
        throw new RouteConflictError(
          `An operation already answers ${route.method} on a path of the same shape as ${route.path}`,
        );
      }
    }
  }
}

export class RouteConflictError extends Error {}
