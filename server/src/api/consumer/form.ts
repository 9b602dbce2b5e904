import type { ConsumerForm } from 'fusio-sdk';
import { parseJsonColumn } from '../../db/values.js';
import type { FormRow } from '../../forms/tables.js';
import { entityRef, paging } from '../../http/query.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

function summary(row: FormRow): ConsumerForm {
  const form: ConsumerForm = { id: row.id, name: row.name };
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) form.metadata = metadata;
  return form;
}

/** The developer portal's forms (fusio-sdk ConsumerFormTag), public as in Fusio. */
export const consumerFormOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.form.getAll',
    method: 'GET',
    path: '/consumer/form',
    public: true,
    description: 'The active forms of the developer portal, by name',
    handler({ platform, request }) {
      return platform.forms.active(platform.db, paging(request.query), summary);
    },
  }),
  systemOperation({
    name: 'consumer.form.get',
    method: 'GET',
    path: '/consumer/form/$form_id<[0-9]+|~.+>',
    public: true,
    description:
      "A form by id or ~name: the URL and method it submits to, the operation's incoming JSON Schema and the UI schema",
    async handler({ platform, request }) {
      const { form, operation } = await platform.forms.activeWithOperation(
        platform.db,
        entityRef(request.params.form_id),
      );
      return {
        ...summary(form),
        action: `${platform.config.publicUrl}${operation.http_path}`,
        method: operation.http_method,
        jsonSchema: await platform.forms.incomingSchema(platform.db, operation),
        uiSchema: parseJsonColumn(form.ui_schema) ?? {},
      } satisfies ConsumerForm;
    },
  }),
];
