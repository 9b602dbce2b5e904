import { describe, expect, it } from 'vitest';
import { checkRoutes, RouteConflictError, RoutingTable } from './routing-table.js';
import type { CompiledOperation, HttpMethod } from './types.js';

const op = (name: string, method: HttpMethod, path: string) => ({ name, method, path }) as CompiledOperation;

function many(count: number): CompiledOperation[] {
  const methods: HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];
  return Array.from({ length: count }, (_, i) =>
    op(`op${i}`, methods[i % 4] as HttpMethod, `/many/r${Math.floor(i / 4)}/items/:id${i % 3 === 0 ? '/detail' : ''}`),
  );
}

const found = (table: RoutingTable, method: string, path: string) => {
  const match = table.find(method, path);
  return match.kind === 'operation' ? match.operation.name : match.kind;
};

describe('a routing table built from the one before it', () => {
  it('serves an added route while the older table, sharing its router, does not see it', () => {
    const first = new RoutingTable(1, [op('a', 'GET', '/a'), op('item', 'GET', '/items/:id')]);
    const second = new RoutingTable(
      2,
      [...[op('a', 'GET', '/a'), op('item', 'GET', '/items/:id')], op('b', 'GET', '/b')],
      undefined,
      first,
    );
    expect(found(second, 'GET', '/b')).toBe('b');
    expect(found(first, 'GET', '/b')).toBe('not-found');
    expect(found(second, 'GET', '/items/7')).toBe('item');
    expect(second.find('GET', '/items/7')).toMatchObject({ params: { id: '7' } });
    // a method the older table does not know is not offered by it
    const third = new RoutingTable(
      3,
      [op('a', 'GET', '/a'), op('item', 'GET', '/items/:id'), op('b', 'GET', '/b'), op('put', 'PUT', '/a')],
      undefined,
      second,
    );
    expect(third.find('POST', '/a')).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'HEAD', 'PUT', 'OPTIONS'] });
    expect(second.find('POST', '/a')).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'HEAD', 'OPTIONS'] });
  });

  it('forgets a removed route, so a parameter route behind it answers, and the older table keeps it', () => {
    const first = new RoutingTable(1, [op('static', 'GET', '/things/special'), op('param', 'GET', '/things/:id')]);
    const second = new RoutingTable(2, [op('param', 'GET', '/things/:id')], undefined, first);
    expect(found(first, 'GET', '/things/special')).toBe('static');
    expect(found(second, 'GET', '/things/special')).toBe('param');
  });

  it('gives a route moved to another path its new path only', () => {
    const first = new RoutingTable(1, [op('moving', 'GET', '/old')]);
    const second = new RoutingTable(2, [op('moving', 'GET', '/new')], undefined, first);
    expect(found(second, 'GET', '/old')).toBe('not-found');
    expect(found(second, 'GET', '/new')).toBe('moving');
    expect(found(first, 'GET', '/old')).toBe('moving');
  });

  it('leaves out the second of two operations on one route, as a table built from nothing does', () => {
    const rejected: string[] = [];
    const first = new RoutingTable(1, [op('one', 'GET', '/same')]);
    const second = new RoutingTable(
      2,
      [
        op('one', 'GET', '/same'),
        op('two', 'GET', '/same'),
        op('three', 'GET', '/same/:x'),
        op('four', 'GET', '/same/:y'),
      ],
      (operation) => rejected.push(operation.name),
      first,
    );
    expect(found(second, 'GET', '/same')).toBe('one');
    expect(found(second, 'GET', '/same/1')).toBe('three');
    expect(rejected).toEqual(['two', 'four']);
  });

  it('rebuilds 10,000 operations after a change without building their routes again', () => {
    const operations = many(10_000);
    const first = new RoutingTable(1, operations);
    const started = performance.now();
    const second = new RoutingTable(2, [...operations, op('new', 'GET', '/new')], undefined, first);
    const incremental = performance.now() - started;
    expect(found(second, 'POST', '/many/r100/items/4')).toBe('op401');
    expect(found(second, 'GET', '/new')).toBe('new');
    // building 10,000 routes from nothing takes seconds; keeping them, a few milliseconds per thousand
    expect(incremental).toBeLessThan(400);
  });
});

describe('checkRoutes', () => {
  it('finds a clash of shapes among many routes', () => {
    expect(() => checkRoutes([...many(10_000), op('x', 'GET', '/many/r1/items/:other')])).toThrow(RouteConflictError);
    expect(() => checkRoutes([op('a', 'GET', '/a/:x'), op('b', 'GET', '/a/:y')])).toThrow(RouteConflictError);
    expect(() => checkRoutes([op('a', 'GET', '/a/*rest'), op('b', 'GET', '/a/*')])).toThrow(RouteConflictError);
  });

  it('lets routes of different shapes or methods live together', () => {
    expect(() =>
      checkRoutes([
        ...many(10_000),
        op('x', 'GET', '/many/r1/items/special'),
        op('y', 'POST', '/many/r1/items/:id/detail'),
        op('z', 'GET', '/many/r1/items/$id<[0-9]+>/detail'),
      ]),
    ).not.toThrow();
  });
});
