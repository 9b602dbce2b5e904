import type { Passthru } from 'fusio-sdk';
import { badRequest } from '../../errors.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';
import { connectionRef } from './connection.js';

/** fusio-sdk BackendConnectionSdkTag: the specification of a connection that is an SDK client. */
export const connectionSdkOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.connection.sdk.get',
    method: 'GET',
    path: '/backend/connection/:connection_id/sdk',
    description:
      'The TypeAPI specification of the client a connection is (an HTTP connection: its base URL and security)',
    async handler({ platform, request }): Promise<Passthru> {
      const row = await platform.connectionConfigs.find(platform.db, connectionRef(request.params.connection_id));
      const type = platform.connections.registry.get(row.class);
      if (!type?.sdkSpecification) {
        throw badRequest('Provided an invalid connection: it offers no SDK specification');
      }
      return type.sdkSpecification(platform.connections.configOf(row));
    },
  }),
];
