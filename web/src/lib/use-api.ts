import type { Client } from 'fusio-sdk';
import { type DependencyList, useCallback, useEffect, useState } from 'react';
import { errorMessage } from './api-client';
import { useSession } from './session';

export type Query<T> =
  | { state: 'loading'; reload(): void }
  | { state: 'ready'; value: T; reload(): void }
  | { state: 'error'; message: string; reload(): void };

/** Loads something with the developer's session; `reload` asks again (after a change). */
export function useApiQuery<T>(run: (client: Client) => Promise<T>, deps: DependencyList): Query<T> {
  const { call } = useSession();
  const [result, setResult] = useState<
    { state: 'loading' } | { state: 'ready'; value: T } | { state: 'error'; message: string }
  >({
    state: 'loading',
  });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the query depends on
  useEffect(() => {
    let live = true;
    call(run)
      .then((value) => live && setResult({ state: 'ready', value }))
      .catch((error) => live && setResult({ state: 'error', message: errorMessage(error) }));
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { ...result, reload } as Query<T>;
}
