import { serviceUnavailable } from '../../errors.js';
import { defineActionType } from '../../plugins/action.js';
import { type ListSort, parseListRequest, RowLister } from '../../sql/rows.js';
import type { ColumnInfo } from '../../sql/table.js';
import { checkTableExists, selection, TableAccess, type TableActionConfig, tableProperties } from './table-access.js';

interface SelectAllConfig extends TableActionConfig {
  columns?: string[];
  orderBy?: string;
  orderDirection?: 'ASC' | 'DESC';
  limit?: number | string;
}

/** Reads an optional positive integer that Fusio's forms may store as text. */
export function positiveInt(value: number | string | undefined, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) throw new Error('Action config: property /limit must be a positive integer');
  return Math.min(n, max);
}

/** Pages through a table: filter, sort, startIndex/count up to `limit`, Fusio's collection answer. */
export const sqlSelectAllAction = defineActionType<SelectAllConfig>({
  class: 'Fusio.Adapter.Sql.Action.SqlSelectAll',
  name: 'SQL-Select-All',
  description: 'Returns a paginated collection of rows from a table',
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
      orderBy: {
        type: 'string',
        title: 'Order by',
        description: 'The default order by column (default is primary key)',
      },
      orderDirection: {
        type: 'string',
        enum: ['ASC', 'DESC'],
        'x-labels': { ASC: 'Ascending', DESC: 'Descending' },
        title: 'Order direction',
        description: 'The order direction (default is descending)',
      },
      limit: {
        type: 'integer',
        minimum: 1,
        title: 'Limit',
        description: 'The default limit of the result (default is 16)',
      },
    },
    required: ['connection', 'table'],
  },
  check: checkTableExists,
  create(config) {
    const limit = positiveInt(config.limit, 16, 1024);
    const direction = config.orderDirection ?? 'DESC';
    const access = new TableAccess(config, (plan) => {
      const wanted = config.columns?.length ? new Set(config.columns) : null;
      let columns = plan.table.columns.filter((c) => !wanted || wanted.has(c.name) || wanted.has(plan.propertyOf(c)));
      if (columns.length === 0) columns = [...plan.table.columns];
      const { list, convert } = selection(plan, columns);
      let defaultSort: ListSort | null = null;
      if (config.orderBy) {
        const column = plan.table.byName.get(config.orderBy) ?? plan.byProperty.get(config.orderBy);
        if (!column) throw serviceUnavailable(`Order by column ${config.orderBy} does not exist on ${plan.table.name}`);
        defaultSort = { column, direction };
      } else if (plan.table.primaryKey.length > 0) {
        defaultSort = { column: plan.table.byName.get(plan.table.primaryKey[0] as string) as ColumnInfo, direction };
      }
      const visible = new Set(columns);
      const resolve = (name: string) => {
        const column = plan.byProperty.get(name) ?? plan.table.byName.get(name);
        return column && visible.has(column) ? column : undefined;
      };
      return {
        lister: new RowLister(plan.client, plan.table.name, list, plan.salt),
        convert,
        listOptions: { limit, resolve, defaultSort, dialect: plan.dialect, columnFilters: true },
      };
    });
    return async (request, context) => {
      const plan = await access.plan(context.connections);
      const list = parseListRequest(request.query, plan.listOptions);
      const page = await plan.lister.page(list);
      const convert = plan.convert;
      return {
        totalResults: page.totalResults,
        itemsPerPage: list.count,
        startIndex: list.startIndex,
        entry: convert ? page.rows.map(convert) : page.rows,
      };
    };
  },
});
