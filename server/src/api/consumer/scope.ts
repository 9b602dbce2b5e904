import type { ConsumerScope, ConsumerScopeCategories, ConsumerScopeCategory } from 'fusio-sdk';
import { requestableScopes } from '../../accounts/scopes.js';
import { collection } from '../../db/listing.js';
import type { ScopeRow } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { paging } from '../../http/query.js';
import { findUser } from '../../users/repository.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';
import { currentUserId } from './account.js';

function view(row: ScopeRow): ConsumerScope {
  const scope: ConsumerScope = { id: row.id, name: row.name, description: row.description };
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) scope.metadata = metadata;
  return scope;
}

export const consumerScopeOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.scope.getAll',
    method: 'GET',
    path: '/consumer/scope',
    description: 'The scopes the caller may give their apps and tokens',
    async handler(call) {
      const page = paging(call.request.query);
      const user = await findUser(call.platform, { id: currentUserId(call) });
      let scopes = await requestableScopes(call.platform.db, user);
      const search = page.search?.toLowerCase();
      if (search) scopes = scopes.filter((s) => s.name.toLowerCase().includes(search));
      const ordered = page.sortOrder === 'desc' ? scopes.reverse() : scopes;
      return collection(ordered.length, page, ordered.slice(page.startIndex, page.startIndex + page.count).map(view));
    },
  }),
  systemOperation({
    name: 'consumer.scope.getCategories',
    method: 'GET',
    path: '/consumer/scope/categories',
    description: 'The scopes the caller may request, by category',
    async handler(call): Promise<ConsumerScopeCategories> {
      const { platform } = call;
      const user = await findUser(platform, { id: currentUserId(call) });
      const scopes = await requestableScopes(platform.db, user);
      const categories = await platform.db.selectFrom('categories').select(['id', 'name']).orderBy('name').execute();
      const grouped: ConsumerScopeCategory[] = [];
      for (const category of categories) {
        const members = scopes.filter((s) => s.category_id === category.id);
        if (members.length === 0) continue;
        grouped.push({
          id: category.id,
          name: category.name,
          scopes: members.map((s) => ({ id: s.id, name: s.name, description: s.description })),
        });
      }
      return { categories: grouped };
    },
  }),
];
