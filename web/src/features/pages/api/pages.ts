import type { ConsumerPage } from 'fusio-sdk';
import { useEffect, useState } from 'react';
import { errorMessage, errorStatus, publicClient } from '../../../lib/api-client';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ready'; value: T }
  | { state: 'error'; message: string; status?: number };

/** A page of the Page API by slug (`~slug`), with its content. */
export function usePage(slug: string): Loaded<ConsumerPage> {
  const [result, setResult] = useState<Loaded<ConsumerPage>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    setResult({ state: 'loading' });
    publicClient()
      .consumer()
      .page()
      .get(`~${slug}`)
      .then((value) => live && setResult({ state: 'ready', value }))
      .catch((error: unknown) => {
        const status = errorStatus(error);
        if (live) setResult({ state: 'error', message: errorMessage(error), status });
      });
    return () => {
      live = false;
    };
  }, [slug]);
  return result;
}
