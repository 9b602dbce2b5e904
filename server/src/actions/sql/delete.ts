import { notFound } from '../../errors.js';
import { defineActionType } from '../../plugins/action.js';
import { statement } from '../../sql/client.js';
import { placeholder, quoteIdentifier } from '../../sql/dialect.js';
import {
  checkTableExists,
  idColumnOf,
  primaryKeyOf,
  requestedId,
  TableAccess,
  type TableActionConfig,
  tableProperties,
} from './table-access.js';

/** Deletes the row named by the id; 404 when there is no such row. */
export const sqlDeleteAction = defineActionType<TableActionConfig>({
  class: 'Fusio.Adapter.Sql.Action.SqlDelete',
  name: 'SQL-Delete',
  description: 'Deletes an existing row of a table',
  config: { type: 'object', properties: tableProperties, required: ['connection', 'table'] },
  check: checkTableExists,
  create(config) {
    const access = new TableAccess(config, (plan) => {
      const pk = primaryKeyOf(plan.table);
      const remove = statement(
        `DELETE FROM ${plan.quotedTable} WHERE ${quoteIdentifier(plan.dialect, pk.name)} = ${placeholder(plan.dialect, 1)}`,
        plan.salt,
      );
      return { pk, idColumn: idColumnOf(pk), remove };
    });
    return async (request, context) => {
      const plan = await access.plan(context.connections);
      const id = requestedId(request, plan.idColumn, plan.dialect);
      const result = await plan.client.run(plan.remove, [id]);
      if (result.changes === 0) throw notFound('Entry not available');
      return { success: true, message: 'Entry successfully deleted', id: String(id) };
    };
  },
});
