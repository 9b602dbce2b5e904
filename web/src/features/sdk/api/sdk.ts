import { useEffect, useState } from 'react';
import { apiBaseUrl } from '../../../lib/runtime';
import type { Query } from '../../../lib/use-api';

/** One document or client Portico generates of the API (`GET /system/generator`). */
export interface GeneratorType {
  type: string;
  label: string;
  description: string;
  link: string;
}

/** The list of what can be downloaded: public, the same for everyone. */
export function useGeneratorTypes(): Query<GeneratorType[]> {
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<
    { state: 'loading' } | { state: 'ready'; value: GeneratorType[] } | { state: 'error'; message: string }
  >({ state: 'loading' });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` is what a retry changes
  useEffect(() => {
    let live = true;
    setState({ state: 'loading' });
    fetch(`${apiBaseUrl()}/system/generator`, { headers: { accept: 'application/json' } })
      .then(async (res) => {
        if (!res.ok) throw new Error(`The list of downloads answered ${res.status}`);
        return ((await res.json()) as { types?: GeneratorType[] }).types ?? [];
      })
      .then((value) => live && setState({ state: 'ready', value }))
      .catch((error: Error) => live && setState({ state: 'error', message: error.message }));
    return () => {
      live = false;
    };
  }, [attempt]);
  const reload = () => setAttempt((n) => n + 1);
  return state.state === 'ready'
    ? { state: 'ready', value: state.value, reload }
    : state.state === 'error'
      ? { state: 'error', message: state.message, reload }
      : { state: 'loading', reload };
}

/**
 * Fetches one generated file (with the developer's token when there is one: the file then covers the
 * operations their scopes open too) and hands it to the browser as a download.
 */
export async function downloadGenerated(type: GeneratorType, token: string | null): Promise<string> {
  const res = await fetch(type.link, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { title?: string; message?: string };
    throw Object.assign(new Error(body.message ?? `The download answered ${res.status}`), { payload: body });
  }
  const blob = await res.blob();
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? type.type;
  const href = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.download = name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return name;
}
