import type { BackendConfig } from 'fusio-sdk';
import { entityRef, paging } from '../../http/query.js';
import type { SettingRepository, SettingRow } from '../../settings/repository.js';
import { message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

function view(settings: SettingRepository, row: SettingRow): BackendConfig {
  const { id, type, name, description } = row;
  return { id, type, name, description, value: settings.shownValue(row) };
}

export const configOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.config.getAll',
    method: 'GET',
    path: '/backend/config',
    handler({ platform, request }) {
      const settings = platform.configValues;
      return settings.page(platform.db, paging(request.query), (row) => view(settings, row));
    },
  }),
  systemOperation({
    name: 'backend.config.get',
    method: 'GET',
    path: `/backend/config/$config_id<${idOrName}>`,
    async handler({ platform, request }) {
      const settings = platform.configValues;
      return view(settings, await settings.find(platform.db, entityRef(request.params.config_id)));
    },
  }),
  systemOperation({
    name: 'backend.config.update',
    method: 'PUT',
    path: `/backend/config/$config_id<${idOrName}>`,
    incoming: { type: 'object', properties: { value: {} }, required: ['value'] },
    async handler(call) {
      const ref = entityRef(call.request.params.config_id);
      const { value } = call.request.body as BackendConfig;
      const id = await call.platform.changes.write(call, (unit) => call.platform.configValues.update(unit, ref, value));
      return message('Config successfully updated', id);
    },
  }),
];
