import { badRequest, notFound } from '../../errors.js';
import { defineActionType } from '../../plugins/action.js';
import { type SqlStatement, statement } from '../../sql/client.js';
import { placeholder, quoteIdentifier } from '../../sql/dialect.js';
import type { ColumnInfo } from '../../sql/table.js';
import {
  bodyObject,
  checkTableExists,
  columnValues,
  idColumnOf,
  primaryKeyOf,
  requestedId,
  TableAccess,
  type TableActionConfig,
  tableProperties,
} from './table-access.js';

const maxShapes = 256;

/** Updates the row named by the id with the properties of the body; 404 when there is no such row. */
export const sqlUpdateAction = defineActionType<TableActionConfig>({
  class: 'Fusio.Adapter.Sql.Action.SqlUpdate',
  name: 'SQL-Update',
  description: 'Updates an existing row of a table with the request body',
  config: { type: 'object', properties: tableProperties, required: ['connection', 'table'] },
  check: checkTableExists,
  create(config) {
    const access = new TableAccess(config, (plan) => {
      const pk = primaryKeyOf(plan.table);
      const shapes = new Map<string, SqlStatement>();
      const updateFor = (columns: readonly ColumnInfo[]): SqlStatement => {
        const shapeKey = columns.map((c) => c.name).join('\u0000');
        const known = shapes.get(shapeKey);
        if (known) return known;
        const set = columns.map(
          (c, i) => `${quoteIdentifier(plan.dialect, c.name)} = ${placeholder(plan.dialect, i + 1)}`,
        );
        const built = statement(
          `UPDATE ${plan.quotedTable} SET ${set.join(', ')} WHERE ${quoteIdentifier(plan.dialect, pk.name)} = ${placeholder(plan.dialect, columns.length + 1)}`,
          plan.salt,
        );
        if (shapes.size < maxShapes) shapes.set(shapeKey, built);
        return built;
      };
      return { pk, idColumn: idColumnOf(pk), updateFor };
    });
    return async (request, context) => {
      const plan = await access.plan(context.connections);
      const id = requestedId(request, plan.idColumn, plan.dialect);
      const { columns, values } = columnValues(plan, bodyObject(request));
      if (columns.length === 0) throw badRequest('Request body contains no property to update');
      const result = await plan.client.run(plan.updateFor(columns), [...values, id]);
      if (result.changes === 0) throw notFound('Entry not available');
      return { success: true, message: 'Entry successfully updated', id: String(id) };
    };
  },
});
