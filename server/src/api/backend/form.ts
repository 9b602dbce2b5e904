import type { BackendForm } from 'fusio-sdk';
import { parseJsonColumn } from '../../db/values.js';
import type { FormInput } from '../../forms/repository.js';
import type { FormRow } from '../../forms/tables.js';
import { idField, metadataField, nameField } from '../../schema/fragments.js';
import { entityOperations } from '../crud.js';
import type { SystemOperation } from '../system-operation.js';

const formBody = {
  type: 'object',
  properties: {
    name: nameField('form', { max: 64 }),
    operationId: idField,
    uiSchema: { type: ['object', 'null'], 'x-error': 'Form uiSchema must be a JSON object' },
    metadata: metadataField,
  },
};

function view(row: FormRow, withUiSchema: boolean): BackendForm {
  const form: BackendForm = { id: row.id, status: row.status, name: row.name, operationId: row.operation_id };
  if (withUiSchema) form.uiSchema = parseJsonColumn(row.ui_schema) ?? {};
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) form.metadata = metadata;
  return form;
}

/** Forms of the developer portal (fusio-sdk BackendFormTag): a UI schema bound to an operation of the API. */
export const formOperations: SystemOperation[] = entityOperations<
  FormRow,
  FormInput & { name: string; operationId: number },
  FormInput
>({
  entity: 'form',
  label: 'Form',
  store: (platform) => platform.forms,
  body: formBody,
  required: ['name', 'operationId'],
  summary: (row) => view(row, false),
  detail: (row) => view(row, true),
  descriptions: {
    getAll: 'Every form of the developer portal (without its UI schema)',
    create:
      "Creates a form for an operation of the API; the portal builds its fields from the operation's incoming schema",
    get: 'A form by id or ~name, with its UI schema',
    update: 'Changes the fields given',
  },
});
