import { notFound } from '../../errors.js';
import { defineActionType } from '../../plugins/action.js';
import { type SqlStatement, statement } from '../../sql/client.js';
import { placeholder, quoteIdentifier } from '../../sql/dialect.js';
import {
  checkTableExists,
  idColumnOf,
  primaryKeyOf,
  requestedId,
  selection,
  TableAccess,
  type TableActionConfig,
  tableProperties,
} from './table-access.js';

interface SelectRowConfig extends TableActionConfig {
  columns?: string[];
}

/** One row by its primary key: `SELECT … WHERE pk = $1`, built once and prepared on each pooled connection. */
export const sqlSelectRowAction = defineActionType<SelectRowConfig>({
  class: 'Fusio.Adapter.Sql.Action.SqlSelectRow',
  name: 'SQL-Select-Row',
  description: 'Returns a single row of a table by its primary key',
  config: {
    type: 'object',
    properties: {
      ...tableProperties,
      columns: {
        type: 'array',
        items: { type: 'string' },
        title: 'Columns',
        description: 'Columns which are selected on the table (default is *)',
      },
    },
    required: ['connection', 'table'],
  },
  check: checkTableExists,
  create(config) {
    const access = new TableAccess(config, (plan) => {
      const pk = primaryKeyOf(plan.table);
      const wanted = config.columns?.length ? new Set(config.columns) : null;
      let columns = plan.table.columns.filter((c) => !wanted || wanted.has(c.name) || wanted.has(plan.propertyOf(c)));
      if (columns.length === 0) columns = [...plan.table.columns];
      const { list, convert } = selection(plan, columns);
      const select: SqlStatement = statement(
        `SELECT ${list} FROM ${plan.quotedTable} WHERE ${quoteIdentifier(plan.dialect, pk.name)} = ${placeholder(plan.dialect, 1)}`,
        plan.salt,
      );
      return { pk, idColumn: idColumnOf(pk), select, convert };
    });
    return async (request, context) => {
      const plan = await access.plan(context.connections);
      const id = requestedId(request, plan.idColumn, plan.dialect);
      const rows = await plan.client.all(plan.select, [id]);
      const row = rows[0];
      if (row === undefined) throw notFound('Entry not available');
      return plan.convert ? plan.convert(row) : row;
    };
  },
});
