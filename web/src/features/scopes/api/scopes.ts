import type { ConsumerScopeCategoryScope } from 'fusio-sdk';
import { useApiQuery } from '../../../lib/use-api';

/** The scopes the developer may give an app or token, with what each grants, by category. */
export function useScopeChoices() {
  return useApiQuery(async (client) => {
    const { categories = [] } = await client.consumer().scope().getCategories();
    return categories
      .map((c) => ({
        name: c.name ?? '',
        scopes: (c.scopes ?? []).filter((s): s is Required<ConsumerScopeCategoryScope> => !!s.name),
      }))
      .filter((c) => c.scopes.length > 0);
  }, []);
}
