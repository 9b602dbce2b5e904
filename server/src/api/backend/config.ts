import type { BackendConfig } from 'fusio-sdk';
import { secretMask } from '../../connections/secrets.js';
import { containsIgnoreCase, type EntityRef, pageOf } from '../../db/listing.js';
import { badRequest, notFound } from '../../errors.js';
import { entityRef, paging } from '../../http/query.js';
import type { Platform } from '../../runtime/platform.js';
import { settingProblem } from '../../services/branding.js';
import { ConfigType, typedConfigValue } from '../../services/settings.js';
import { message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

interface ConfigRow {
  id: number;
  type: number;
  name: string;
  description: string;
  value: string;
}

function view(row: ConfigRow): BackendConfig {
  const value = row.type === ConfigType.secret && row.value !== '' ? secretMask : typedConfigValue(row.type, row.value);
  return { id: row.id, type: row.type, name: row.name, description: row.description, value };
}

async function findConfig(platform: Platform, ref: EntityRef): Promise<ConfigRow> {
  const query = platform.db.selectFrom('config').selectAll();
  const row = await ('id' in ref
    ? query.where('id', '=', ref.id)
    : query.where('name', '=', ref.name)
  ).executeTakeFirst();
  if (!row) throw notFound('Could not find config');
  return row;
}

/** Stores a value in its text form after checking it fits the key's type and the key's own rules. */
function storedValue(row: ConfigRow, value: unknown): string {
  const stored = typedStoredValue(row, value);
  const problem = settingProblem(row.name, stored);
  if (problem) throw badRequest(`Config ${row.name} ${problem}`);
  return stored;
}

function typedStoredValue(row: ConfigRow, value: unknown): string {
  switch (row.type) {
    case ConfigType.boolean:
      if (typeof value === 'boolean') return value ? '1' : '0';
      if (value === 1 || value === 0 || value === '1' || value === '0') return String(value);
      throw badRequest(`Config ${row.name} must be a boolean`);
    case ConfigType.number: {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw badRequest(`Config ${row.name} must be a number`);
      return String(n);
    }
    case ConfigType.email:
      if (value !== '' && (typeof value !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value))) {
        throw badRequest(`Config ${row.name} must be an email address`);
      }
      return value as string;
    default:
      if (typeof value !== 'string') throw badRequest(`Config ${row.name} must be a string`);
      if (value.length > 65_000) throw badRequest(`Config ${row.name} is too long`);
      return value;
  }
}

export const configOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.config.getAll',
    method: 'GET',
    path: '/backend/config',
    async handler({ platform, request }) {
      const page = paging(request.query);
      let query = platform.db.selectFrom('config');
      if (page.search) query = query.where(containsIgnoreCase('name', page.search));
      return pageOf(query, page, view);
    },
  }),
  systemOperation({
    name: 'backend.config.get',
    method: 'GET',
    path: `/backend/config/$config_id<${idOrName}>`,
    async handler({ platform, request }) {
      return view(await findConfig(platform, entityRef(request.params.config_id)));
    },
  }),
  systemOperation({
    name: 'backend.config.update',
    method: 'PUT',
    path: `/backend/config/$config_id<${idOrName}>`,
    incoming: { type: 'object', properties: { value: {} }, required: ['value'] },
    async handler({ platform, request }) {
      const row = await findConfig(platform, entityRef(request.params.config_id));
      const { value } = request.body as BackendConfig;
      if (!(row.type === ConfigType.secret && value === secretMask)) {
        await platform.db
          .updateTable('config')
          .set({ value: storedValue(row, value) })
          .where('id', '=', row.id)
          .execute();
        await platform.configChanged();
      }
      return message('Config successfully updated', row.id);
    },
  }),
];
