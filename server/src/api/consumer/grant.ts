import { collection } from '../../db/listing.js';
import { notFound } from '../../errors.js';
import { paging } from '../../http/query.js';
import { listGrants, revokeGrant } from '../../oauth/grants.js';
import { message } from '../http.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';
import { currentUserId } from './account.js';

/** The apps a developer let act for them (OAuth2 consent, stored by the authorization server), revocable. */
export const consumerGrantOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.grant.getAll',
    method: 'GET',
    path: '/consumer/grant',
    description: 'The apps the caller has authorized',
    async handler(call) {
      const page = paging(call.request.query);
      const grants = await listGrants(call.platform, currentUserId(call), page);
      return collection(grants.totalResults, page, grants.entry);
    },
  }),
  systemOperation({
    name: 'consumer.grant.delete',
    method: 'DELETE',
    path: '/consumer/grant/$grant_id<[0-9]+>',
    description: "Withdraws an app's authorization; the tokens it holds for the caller stop working",
    async handler(call) {
      const id = Number(call.request.params.grant_id);
      if (!(await revokeGrant(call.platform, currentUserId(call), id))) throw notFound('Could not find grant');
      return message('Grant successfully deleted', id);
    },
  }),
];
