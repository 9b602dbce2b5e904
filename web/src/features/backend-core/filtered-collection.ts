import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { errorMessage } from '../../lib/api-client';
import { type Collection, useBackendGet } from './backend-api';

export const pageSize = 25;

/** The filters of `keys` that the address sets. */
export function filtersOf<K extends string>(params: URLSearchParams, keys: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = params.get(key);
    if (value) out[key] = value;
  }
  return out;
}

export type CollectionState<T> =
  | { kind: 'loading' }
  | { kind: 'ready'; value: Collection<T> }
  | { kind: 'error'; message: string };

/**
 * A page of a backend collection narrowed by filters kept in the address (`?status=5xx&page=2`), so a link
 * carries them: the logs and the audit trail. `apply` sets new filters from the first page; `goTo` pages.
 */
export function useFilteredCollection<T, K extends string>(path: string, keys: readonly K[]) {
  const get = useBackendGet();
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params, keys);
  const page = Math.max(Number(params.get('page') ?? '1') || 1, 1);
  const [state, setState] = useState<CollectionState<T>>({ kind: 'loading' });
  const key = params.toString();

  // biome-ignore lint/correctness/useExhaustiveDependencies: the address (key) holds every filter
  useEffect(() => {
    let live = true;
    setState({ kind: 'loading' });
    get<Collection<T>>(path, { ...filters, startIndex: (page - 1) * pageSize, count: pageSize })
      .then((value) => live && setState({ kind: 'ready', value }))
      .catch((error) => live && setState({ kind: 'error', message: errorMessage(error) }));
    return () => {
      live = false;
    };
  }, [get, key, path]);

  const apply = (next: Partial<Record<K, string>>) => {
    const out = new URLSearchParams();
    for (const [k, v] of Object.entries(next)) if (v) out.set(k, v as string);
    setParams(out);
  };
  const goTo = (next: number) => {
    const out = new URLSearchParams(params);
    out.set('page', String(next));
    setParams(out);
  };
  const total = state.kind === 'ready' ? (state.value.totalResults ?? 0) : 0;
  return { filters, page, state, total, apply, goTo };
}
