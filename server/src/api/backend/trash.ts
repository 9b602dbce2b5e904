import type { BackendTrashData, BackendTrashRestore } from 'fusio-sdk';
import { covers } from '../../auth/scopes.js';
import { badRequest, conflict, forbidden } from '../../errors.js';
import { paging } from '../../http/query.js';
import { isTrashType, type TrashRow, type TrashType, trashTypes } from '../../trash/repository.js';
import { lookupOf, type OperationsByName, operationsByName, run, withDatabase } from '../configuration/engine.js';
import { kinds } from '../configuration/kinds.js';
import { message } from '../http.js';
import type { SystemCall, SystemOperation } from '../system-operation.js';
import { systemOperation } from '../system-operation.js';

/** Deleted copies are listed with the status Fusio gives a deleted row. */
const deletedStatus = 0;

const summary = (row: TrashRow): BackendTrashData => ({ id: row.entity_id, status: deletedStatus, name: row.name });

/** The type named in the path: 400 when there is no such trash; 403 when the token may not touch the entity. */
function typeOf(call: SystemCall): TrashType {
  const type = call.request.params.type ?? '';
  if (!isTrashType(type)) throw badRequest(`Provided an invalid type: use one of ${trashTypes.join(', ')}`);
  if (!covers(new Set(call.caller.scopes), `backend.${type}`)) {
    throw forbidden(`The ${type} trash needs the scope backend.${type}, which your access token does not hold`);
  }
  return type;
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'An' : 'A');

/**
 * Restores a deleted entity through its own create operation, inside one change with the removal of
 * its copy: the same checks as a new one (references, scopes the caller may grant), a new id, and the
 * gateway rebuilt before the answer. A name taken since is a 409 naming it.
 */
async function restore(call: SystemCall, operations: OperationsByName, type: TrashType, entityId: number) {
  const { platform } = call;
  const kind = kinds.find((k) => k.entity === type);
  if (!kind) throw badRequest(`Provided an invalid type: ${type}`);
  return platform.changes.writeAll(call, async (unit) => {
    const copy = await platform.trash.find(unit.db, type, entityId);
    const view = JSON.parse(copy.data) as Record<string, unknown>;
    const lookup = lookupOf(unit.db);
    const body = await kind.toBody(await kind.toEntry(view, lookup), lookup);
    if (view.categoryId !== undefined) body.categoryId = view.categoryId;
    const key = String(body[kind.key] ?? '');
    if (await kind.table(platform).get(unit.db, { name: key })) {
      throw conflict(
        `${article(type)} ${type} named "${key}" exists again: rename or delete it before restoring the deleted one`,
      );
    }
    const answer = (await run(
      withDatabase(platform, unit.db),
      operations,
      call.caller,
      `backend.${type}.create`,
      {},
      body,
    )) as { body?: { id?: string } } | undefined;
    await platform.trash.remove(unit, copy.id);
    const id = Number(answer?.body?.id ?? 0);
    if (id) unit.target(id);
    return id;
  });
}

/** Fusio's trash (fusio-sdk BackendTrashTag): deleted configuration, listed by type and restored. */
export function trashOperations(all: () => readonly SystemOperation[]): SystemOperation[] {
  let byName: OperationsByName | undefined;
  const operations = () => {
    byName ??= operationsByName(all());
    return byName;
  };
  return [
    systemOperation({
      name: 'backend.trash.getTypes',
      method: 'GET',
      path: '/backend/trash',
      description: 'The kinds of entity whose deletion keeps a copy to restore',
      handler: () => ({ types: [...trashTypes] }),
    }),
    systemOperation({
      name: 'backend.trash.getAllByType',
      method: 'GET',
      path: '/backend/trash/:type',
      description: 'Deleted entities of one type, newest first: id is the id they had',
      handler(call) {
        const type = typeOf(call);
        return call.platform.trash.page(call.platform.db, type, paging(call.request.query), summary);
      },
    }),
    systemOperation({
      name: 'backend.trash.restore',
      method: 'POST',
      path: '/backend/trash/:type',
      description: 'Restores a deleted entity (by the id it had) with a new id; 409 when its name was taken since',
      incoming: {
        type: 'object',
        properties: { id: { type: 'integer', minimum: 1, 'x-error': 'Trash id must be the id of a deleted entity' } },
        required: ['id'],
      },
      async handler(call) {
        const type = typeOf(call);
        const { id } = call.request.body as BackendTrashRestore;
        const restored = await restore(call, operations(), type, Number(id));
        return message('Restore successful', restored);
      },
    }),
  ];
}
