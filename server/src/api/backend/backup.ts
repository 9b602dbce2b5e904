import type { BackendBackupExport, BackendBackupImportResult } from 'fusio-sdk';
import { covers } from '../../auth/scopes.js';
import { badRequest } from '../../errors.js';
import {
  deployConfiguration,
  describeChanges,
  exportConfiguration,
  type OperationsByName,
  operationsByName,
} from '../configuration/engine.js';
import { configurationSchema, FileError, parseConfiguration, schemaPath } from '../configuration/file.js';
import type { EntityKind } from '../configuration/kinds.js';
import { type SystemCall, type SystemOperation, systemOperation } from '../system-operation.js';

/** The caller may read or change a kind when its token covers the kind's own backend scope. */
function holds(call: SystemCall) {
  const scopes = new Set(call.caller.scopes);
  return (kind: EntityKind) => covers(scopes, `backend.${kind.entity}`);
}

/**
 * Fusio's backup API in the configuration-as-code format (docs/configuration-as-code.md). A token
 * holding only `backend.backup` gets and changes nothing: each kind needs its own `backend.<entity>`.
 */
export function backupOperations(all: () => readonly SystemOperation[]): SystemOperation[] {
  let byName: OperationsByName | undefined;
  const operations = () => {
    byName ??= operationsByName(all());
    return byName;
  };
  return [
    systemOperation({
      name: 'backend.backup.export',
      method: 'POST',
      path: '/backend/backup/export',
      description:
        'The configuration as a portico.yaml file: the kinds the token may read, credentials as \u0024{env:NAME} references',
      async handler(call): Promise<BackendBackupExport> {
        const result = await exportConfiguration(call.platform, operations(), call.caller, holds(call));
        return { export: result.yaml };
      },
    }),
    systemOperation({
      name: 'backend.backup.import',
      method: 'POST',
      path: '/backend/backup/import',
      description:
        'Applies a portico.yaml file as `portico deploy` does (no pruning unless `prune` is true; `dryRun` only lists the changes); all or nothing',
      incoming: {
        type: 'object',
        properties: {
          import: { type: 'string', minLength: 1, 'x-empty': 'Provided no import' },
          dryRun: { type: 'boolean' },
          prune: { type: 'boolean' },
        },
        required: ['import'],
      },
      async handler(call): Promise<BackendBackupImportResult> {
        const body = call.request.body as { import: string; dryRun?: boolean; prune?: boolean };
        try {
          const file = parseConfiguration(body.import);
          const result = await deployConfiguration(
            call.platform,
            operations(),
            {
              caller: call.caller,
              label: `backup import by ${call.caller.user?.name ?? 'an app'}`,
              ip: call.request.ip,
            },
            file,
            { env: null, prune: body.prune === true, dryRun: body.dryRun === true, mayChange: holds(call) },
          );
          const logs = describeChanges(result.changes);
          const message = result.applied
            ? 'Import successful'
            : body.dryRun
              ? 'Dry run: nothing was changed'
              : 'Nothing to import: the installation already matches';
          return { success: true, message, logs };
        } catch (error) {
          if (error instanceof FileError) throw badRequest(`Import refused, nothing was changed: ${error.message}`);
          throw error;
        }
      },
    }),
    systemOperation({
      name: 'system.configuration.getSchema',
      method: 'GET',
      path: schemaPath,
      public: true,
      description: 'The JSON Schema of a portico.yaml configuration file (for editors)',
      handler: () => configurationSchema(),
    }),
  ];
}
