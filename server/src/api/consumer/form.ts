import type { ConsumerForm } from 'fusio-sdk';
import type { EntityRef } from '../../db/listing.js';
import { parseJsonColumn } from '../../db/values.js';
import { notFound } from '../../errors.js';
import type { FormRow } from '../../forms/tables.js';
import { paging } from '../../http/query.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

function summary(row: FormRow): ConsumerForm {
  const form: ConsumerForm = { id: row.id, name: row.name };
  const metadata = parseJsonColumn<Record<string, string>>(row.metadata);
  if (metadata) form.metadata = metadata;
  return form;
}

/** An id or `~name`, as Fusio takes them; anything else names no form. */
function formRef(raw: string | undefined): EntityRef {
  if (raw !== undefined && /^\d{1,15}$/.test(raw)) return { id: Number(raw) };
  if (raw?.startsWith('~') && raw.length > 1) return { name: raw.slice(1) };
  throw notFound('Could not find form');
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
    path: '/consumer/form/:form_id',
    public: true,
    description:
      "A form by id or ~name: the URL and method it submits to, the operation's incoming JSON Schema and the UI schema",
    async handler({ platform, request }) {
      const { form, operation } = await platform.forms.activeWithOperation(
        platform.db,
        formRef(request.params.form_id),
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
