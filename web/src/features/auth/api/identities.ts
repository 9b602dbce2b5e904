import type { ConsumerIdentity } from 'fusio-sdk';
import { useEffect, useState } from 'react';
import { publicClient } from '../../../lib/api-client';

/** The identity providers offered for login (`GET /consumer/identity`); none when the call fails. */
export function useIdentities(): ConsumerIdentity[] {
  const [identities, setIdentities] = useState<ConsumerIdentity[]>([]);
  useEffect(() => {
    let live = true;
    publicClient()
      .consumer()
      .identity()
      .getAll()
      .then((list) => live && setIdentities(list.entry ?? []))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return identities;
}
