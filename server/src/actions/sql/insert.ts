import { randomUUID } from 'node:crypto';
import { badRequest } from '../../errors.js';
import { defineActionType, response } from '../../plugins/action.js';
import { type SqlStatement, statement } from '../../sql/client.js';
import { placeholders, quoteIdentifier } from '../../sql/dialect.js';
import { type ColumnInfo, singlePrimaryKey } from '../../sql/table.js';
import {
  bodyObject,
  checkTableExists,
  columnValues,
  TableAccess,
  type TableActionConfig,
  tableProperties,
} from './table-access.js';

const maxShapes = 256;

/** Inserts the request body as a row: 201 with the new id; NOT NULL, types and lengths checked first. */
export const sqlInsertAction = defineActionType<TableActionConfig>({
  class: 'Fusio.Adapter.Sql.Action.SqlInsert',
  name: 'SQL-Insert',
  description: 'Inserts the request body as a new row into a table',
  config: { type: 'object', properties: tableProperties, required: ['connection', 'table'] },
  check: checkTableExists,
  create(config) {
    const access = new TableAccess(config, (plan) => {
      const pk = singlePrimaryKey(plan.table);
      const key = typeof pk === 'string' ? null : pk;
      // columns a row cannot do without: NOT NULL, no default, not generated
      const required = plan.table.columns.filter((c) => c.notNull && !c.hasDefault && !c.autoIncrement);
      const returning =
        plan.dialect === 'postgres' && key ? ` RETURNING ${quoteIdentifier(plan.dialect, key.name)}` : '';
      const shapes = new Map<string, SqlStatement>();
      const insertFor = (columns: readonly ColumnInfo[]): SqlStatement => {
        const shapeKey = columns.map((c) => c.name).join('\u0000');
        const known = shapes.get(shapeKey);
        if (known) return known;
        const q = (name: string) => quoteIdentifier(plan.dialect, name);
        let sql: string;
        if (columns.length === 0) {
          sql =
            plan.dialect === 'mysql'
              ? `INSERT INTO ${plan.quotedTable} () VALUES ()`
              : `INSERT INTO ${plan.quotedTable} DEFAULT VALUES${returning}`;
        } else {
          sql = `INSERT INTO ${plan.quotedTable} (${columns.map((c) => q(c.name)).join(', ')}) VALUES (${placeholders(plan.dialect, columns.length)})${returning}`;
        }
        const built = statement(sql, plan.salt);
        if (shapes.size < maxShapes) shapes.set(shapeKey, built);
        return built;
      };
      return { key, required, insertFor };
    });
    return async (request, context) => {
      const plan = await access.plan(context.connections);
      const { columns, values } = columnValues(plan, bodyObject(request));
      const given = new Set(columns);
      const key = plan.key;
      // Fusio gives a UUID key that the client left out a new (time-ordered) UUID
      if (key && key.kind === 'uuid' && !key.hasDefault && !given.has(key)) {
        columns.push(key);
        values.push(uuidV7());
        given.add(key);
      }
      for (const column of plan.required) {
        if (!given.has(column)) throw badRequest(`Property ${plan.propertyOf(column)} must not be null`);
      }
      const result = await plan.client.run(plan.insertFor(columns), values);
      let id: unknown = null;
      if (key) {
        const index = columns.indexOf(key);
        id = index >= 0 ? values[index] : result.insertId;
      } else {
        id = result.insertId;
      }
      return response(201, {
        success: true,
        message: 'Entry successfully created',
        id: id === null || id === undefined ? '' : String(id),
      });
    };
  },
});

/** RFC 9562 UUID version 7: a millisecond timestamp followed by random bits, so keys sort by creation. */
export function uuidV7(now = Date.now()): string {
  const random = randomUUID().replaceAll('-', '');
  const time = now.toString(16).padStart(12, '0').slice(-12);
  const variant = ((Number.parseInt(random[16] as string, 16) & 0x3) | 0x8).toString(16);
  const hex = `${time}7${random.slice(13, 16)}${variant}${random.slice(17, 32)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
