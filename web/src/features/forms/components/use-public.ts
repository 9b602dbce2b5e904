import { type DependencyList, useEffect, useState } from 'react';
import { errorMessage, errorStatus } from '../../../lib/api-client';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ready'; value: T }
  | { state: 'error'; message: string; status?: number };

/** Loads something from the public consumer API (no session needed). */
export function usePublic<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the load depends on
  useEffect(() => {
    let live = true;
    setResult({ state: 'loading' });
    load()
      .then((value) => live && setResult({ state: 'ready', value }))
      .catch((error: unknown) => {
        if (live) setResult({ state: 'error', message: errorMessage(error), status: errorStatus(error) });
      });
    return () => {
      live = false;
    };
  }, [...deps]);
  return result;
}
