import type { BackendHttpRequest, BackendHttpResponse } from 'fusio-sdk';
import { type HttpUpstream, httpConnectionClass } from '../../connections/http.js';
import { tryHttpRequest } from '../../connections/http-console.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';
import { connectionRef } from './connection.js';

export const connectionHttpOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.connection.http.execute',
    method: 'POST',
    path: '/backend/connection/:connection_id/http',
    description: 'Sends an HTTP request through a connection (its base URL, headers and authentication)',
    incoming: {
      type: 'object',
      properties: {
        method: { type: 'string' },
        uri: { type: 'string' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        body: { type: 'string' },
      },
    },
    async handler({ platform, request }): Promise<BackendHttpResponse> {
      const { id } = await platform.connectionConfigs.findOfClass(
        platform.db,
        connectionRef(request.params.connection_id),
        [httpConnectionClass],
        'Provided an invalid connection: it is not an HTTP connection',
      );
      return tryHttpRequest(await platform.connections.get<HttpUpstream>(id), request.body as BackendHttpRequest);
    },
  }),
];
