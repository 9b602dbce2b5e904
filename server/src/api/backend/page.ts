import type { BackendPage } from 'fusio-sdk';
import { entityRef, paging } from '../../http/query.js';
import { type PageInput, pageLimits, pageMetadata } from '../../pages/repository.js';
import type { PageRow } from '../../pages/tables.js';
import { metadataField } from '../../schema/fragments.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

const pageBody = {
  type: 'object',
  properties: {
    status: {
      type: 'integer',
      enum: [1, 2],
      'x-error': 'Page status must be 1 (visible) or 2 (invisible); delete a page with DELETE',
    },
    title: { type: 'string' },
    slug: { type: 'string' },
    content: {
      type: 'string',
      maxLength: pageLimits.content,
      'x-error': `Page content must have at most ${pageLimits.content} characters`,
    },
    metadata: metadataField,
  },
};

/** The admin's view: the raw Markdown, placeholders included. */
function view(row: PageRow, withContent: boolean): BackendPage {
  const page: BackendPage = { id: row.id, status: row.status, title: row.title, slug: row.slug };
  if (withContent) page.content = row.content;
  const metadata = pageMetadata(row);
  if (metadata) page.metadata = metadata;
  return page;
}

/** The developer portal's content pages (fusio-sdk BackendPageTag): Markdown with placeholders, as stored. */
export const pageOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.page.getAll',
    method: 'GET',
    path: '/backend/page',
    description: 'Every page of the developer portal, visible or not (without content)',
    handler: ({ platform, request }) =>
      platform.pages.page(platform.db, paging(request.query), (row) => view(row, false)),
  }),
  systemOperation({
    name: 'backend.page.create',
    method: 'POST',
    path: '/backend/page',
    httpCode: 201,
    description: 'Creates a page; the slug defaults to one made of the title',
    incoming: { ...pageBody, required: ['title'] },
    async handler(call) {
      const body = call.request.body as PageInput & { title: string };
      const id = await call.platform.changes.write(call, (unit) => call.platform.pages.create(unit, body));
      return created('Page successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.page.get',
    method: 'GET',
    path: `/backend/page/$page_id<${idOrName}>`,
    description: 'A page by id or ~slug, its Markdown with the placeholders unfilled',
    async handler({ platform, request }) {
      return view(await platform.pages.find(platform.db, entityRef(request.params.page_id)), true);
    },
  }),
  systemOperation({
    name: 'backend.page.update',
    method: 'PUT',
    path: `/backend/page/$page_id<${idOrName}>`,
    description: 'Changes the fields given; the slug changes only when given',
    incoming: pageBody,
    async handler(call) {
      const ref = entityRef(call.request.params.page_id);
      const body = call.request.body as PageInput;
      const id = await call.platform.changes.write(call, (unit) => call.platform.pages.update(unit, ref, body));
      return message('Page successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.page.delete',
    method: 'DELETE',
    path: `/backend/page/$page_id<${idOrName}>`,
    async handler(call) {
      const ref = entityRef(call.request.params.page_id);
      const id = await call.platform.changes.write(call, (unit) => call.platform.pages.delete(unit, ref));
      return message('Page successfully deleted', id);
    },
  }),
];
