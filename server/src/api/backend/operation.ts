import type { BackendOperation, BackendOperationParameters } from 'fusio-sdk';
import type { OperationRow } from '../../db/schema.js';
import { parseJsonColumn } from '../../db/values.js';
import { httpMethods } from '../../gateway/types.js';
import { metadataField, nameField, rule, typed } from '../../schema/fragments.js';
import { entityOperations } from '../crud.js';
import type { SystemOperation } from '../system-operation.js';

/** GET, get, Get…: the method is stored in capitals whatever case it came in. */
const anyCase = (word: string) => [...word].map((c) => `[${c}${c.toLowerCase()}]`).join('');

const operationBody = {
  type: 'object',
  properties: {
    name: nameField('operation', { max: 64, also: '_.', empty: 'Operation name must not be empty' }),
    httpMethod: typed(
      'string',
      rule('HTTP method must not be empty', { minLength: 1 }),
      rule(`HTTP method must be one of: ${httpMethods.join(', ')}`, {
        pattern: `^(?:${httpMethods.map(anyCase).join('|')})$`,
      }),
    ),
    httpPath: typed('string', rule('HTTP path must not be empty', { minLength: 1 })),
    httpCode: typed(
      'integer',
      rule('HTTP code "{value}" is not in the range between 200 and 299', { minimum: 200, maximum: 299 }),
    ),
    stability: typed(
      'integer',
      rule('Stability contain an invalid value must be one of: 0, 1, 2, 3', { enum: [0, 1, 2, 3] }),
    ),
    parameters: {
      type: ['object', 'null'],
      propertyNames: rule(
        'Parameter name "{value}" contains an invalid character, allowed are only alphanumeric characters and underscore',
        { pattern: '^[A-Za-z0-9_]+$' },
      ),
    },
    incoming: { type: ['string', 'null'] },
    outgoing: { type: ['string', 'null'] },
    throws: {
      type: ['object', 'null'],
      propertyNames: rule(
        'Throw contains an HTTP status code "{value}" which is not in the range between 400 and 599',
        { pattern: '^(?:[45][0-9]{2}|999)$' },
      ),
      additionalProperties: { type: 'string' },
    },
    action: typed('string', rule('Action must not be empty', { minLength: 1 })),
    costs: typed(['integer', 'null'], rule('Costs must be a positive integer', { minimum: 0 })),
    active: { type: 'boolean' },
    public: { type: 'boolean' },
    description: { type: ['string', 'null'] },
    scopes: {
      type: 'array',
      items: typed('string', rule('Invalid scope name "{value}"', { pattern: '^[a-zA-Z0-9\\-_.]{3,64}$' })),
    },
    categoryId: { type: 'integer', minimum: 1, 'x-error': 'Operation categoryId must be the id of a category' },
    metadata: metadataField,
  },
};

function summary(row: OperationRow): BackendOperation {
  const entry: BackendOperation = {
    id: row.id,
    status: row.status,
    active: row.active === 1,
    public: row.public === 1,
    stability: row.stability,
    httpMethod: row.http_method,
    httpPath: row.http_path,
    httpCode: row.http_code,
    name: row.name,
    action: row.action,
  };
  // Portico's addition: the SDK's type has no category, so it names one only when it is not `default`
  if (row.category_id !== 1) (entry as BackendOperation & { categoryId?: number }).categoryId = row.category_id;
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) entry.metadata = metadata;
  return entry;
}

function view(row: OperationRow, scopes: string[]): BackendOperation {
  const operation: BackendOperation = { ...summary(row), scopes };
  if (row.description !== null) operation.description = row.description;
  const parameters = parseJsonColumn<BackendOperationParameters>(row.parameters);
  if (parameters) operation.parameters = parameters;
  if (row.incoming !== null) operation.incoming = row.incoming;
  if (row.outgoing !== null) operation.outgoing = row.outgoing;
  const throws = parseJsonColumn<Record<string, string>>(row.throws);
  if (throws) operation.throws = throws;
  if (row.costs !== null) operation.costs = row.costs;
  return operation;
}

export const operationOperations: SystemOperation[] = entityOperations<
  OperationRow,
  BackendOperation,
  BackendOperation
>({
  entity: 'operation',
  // the admin app lists one taxonomy (folder) at a time
  filters: { taxonomy: ['equals', 'taxonomy_id'], categoryId: ['equals', 'category_id'] },
  label: 'Operation',
  store: (platform) => platform.operations,
  body: operationBody,
  required: [],
  summary,
  detail: async (row, platform) => view(row, await platform.operations.scopes(platform.db, row.id)),
});
