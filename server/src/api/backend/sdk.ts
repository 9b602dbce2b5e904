import type { BackendSdkGenerate, BackendSdkMessage, BackendSdkResponse } from 'fusio-sdk';
import { badRequest } from '../../errors.js';
import { generateSdk, sdkFormat, sdkFormats, sdkLink } from '../system/sdk/index.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

/**
 * Fusio's SDK tag. Fusio writes each generated SDK to a public folder; Portico generates on request at
 * `/system/generator/{type}` (nodes share no files), so every type always has its link, and the content
 * follows the caller (audience.ts): with this backend's token the whole API, without one the public part.
 * `POST` generates once with the admin's rights (so a broken generation is a 5xx here, not on a download)
 * and answers the link.
 */
export const sdkOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.sdk.getAll',
    method: 'GET',
    path: '/backend/sdk',
    description: 'The document and client types Portico generates, each with its download link',
    handler({ platform }) {
      const types: Record<string, string> = {};
      for (const format of sdkFormats) types[format.type] = sdkLink(platform, format.type);
      const body: BackendSdkResponse = { types };
      return body;
    },
  }),
  systemOperation({
    name: 'backend.sdk.generate',
    method: 'POST',
    path: '/backend/sdk',
    description: 'Generates a document or client of the API (format, config) and answers its download link',
    incoming: {
      type: 'object',
      properties: { format: { type: 'string', maxLength: 64 }, config: { type: 'string', maxLength: 256 } },
      required: ['format'],
    },
    async handler({ platform, request, caller }) {
      const body = request.body as BackendSdkGenerate;
      const format = sdkFormat(body.format ?? '');
      if (!format) throw badRequest('Invalid format provided');
      const config = body.config || undefined;
      await generateSdk(platform, format.type, { caller, ...(config ? { config } : {}) });
      const answer: BackendSdkMessage = {
        success: true,
        message: 'SDK successfully generated',
        link: sdkLink(platform, format.type, config),
      };
      return answer;
    },
  }),
];
