import type { BackendPage } from 'fusio-sdk';
import { type PageInput, pageLimits, pageMetadata } from '../../pages/repository.js';
import type { PageRow } from '../../pages/tables.js';
import { metadataField } from '../../schema/fragments.js';
import { entityOperations } from '../crud.js';
import type { SystemOperation } from '../system-operation.js';

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
export const pageOperations: SystemOperation[] = entityOperations<PageRow, PageInput & { title: string }, PageInput>({
  entity: 'page',
  label: 'Page',
  store: (platform) => platform.pages,
  body: pageBody,
  required: ['title'],
  summary: (row) => view(row, false),
  detail: (row) => view(row, true),
  descriptions: {
    getAll: 'Every page of the developer portal, visible or not (without content)',
    create: 'Creates a page; the slug defaults to one made of the title',
    get: 'A page by id or ~slug, its Markdown with the placeholders unfilled',
    update: 'Changes the fields given; the slug changes only when given',
  },
});
