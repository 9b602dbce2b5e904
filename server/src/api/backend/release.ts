import { versionPattern } from '../../versions/repository.js';
import { created } from '../http.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

/**
 * Releases (Portico's addition for the admin app; Fusio tags commits through its CLI): `POST` tags the
 * current commit of every action and schema as `x.y.z`, which `Api-Version: x.y.z` then selects.
 */
export const releaseOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.release.getAll',
    method: 'GET',
    path: '/backend/release',
    description: 'The releases, newest first, with how many actions and schemas each tagged',
    async handler({ platform }) {
      const entry = await platform.releases.list(platform.db);
      return { totalResults: entry.length, startIndex: 0, itemsPerPage: entry.length, entry };
    },
  }),
  systemOperation({
    name: 'backend.release.create',
    method: 'POST',
    path: '/backend/release',
    description: 'Tags the current commit of every action and schema with a version (x.y.z)',
    incoming: {
      type: 'object',
      properties: {
        version: {
          type: 'string',
          pattern: versionPattern.source,
          'x-error': 'Version "{value}" must be of the form x.y.z, e.g. 1.2.0',
          'x-empty': 'Version must not be empty',
        },
      },
      required: ['version'],
    },
    async handler(call) {
      const { version } = call.request.body as { version: string };
      const tagged = await call.platform.changes.write(call, (unit) => call.platform.releases.release(unit, version));
      return created(
        `Release ${version} successfully created: ${tagged.actions} actions and ${tagged.schemas} schemas tagged`,
        version,
      );
    },
  }),
];
