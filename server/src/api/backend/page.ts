import { entityRef, paging } from '../../http/query.js';
import {
  backendPageView,
  createPage,
  deletePage,
  findPage,
  listBackendPages,
  type PageInput,
  pageBodySchema,
  updatePage,
} from '../../pages/pages.js';
import { created, message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

/** The developer portal's content pages (fusio-sdk BackendPageTag): Markdown with placeholders, as stored. */
export const pageOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.page.getAll',
    method: 'GET',
    path: '/backend/page',
    description: 'Every page of the developer portal, visible or not (without content)',
    handler: ({ platform, request }) => listBackendPages(platform.db, paging(request.query)),
  }),
  systemOperation({
    name: 'backend.page.create',
    method: 'POST',
    path: '/backend/page',
    httpCode: 201,
    description: 'Creates a page; the slug defaults to one made of the title',
    incoming: { ...pageBodySchema, required: ['title'] },
    async handler({ platform, request }) {
      const id = await createPage(platform.db, platform.dialect, request.body as PageInput);
      return created('Page successfully created', id);
    },
  }),
  systemOperation({
    name: 'backend.page.get',
    method: 'GET',
    path: `/backend/page/$page_id<${idOrName}>`,
    description: 'A page by id or ~slug, its Markdown with the placeholders unfilled',
    async handler({ platform, request }) {
      return backendPageView(await findPage(platform.db, entityRef(request.params.page_id)), true);
    },
  }),
  systemOperation({
    name: 'backend.page.update',
    method: 'PUT',
    path: `/backend/page/$page_id<${idOrName}>`,
    description: 'Changes the fields given; the slug changes only when given',
    incoming: pageBodySchema,
    async handler({ platform, request }) {
      const id = await updatePage(platform.db, entityRef(request.params.page_id), request.body as PageInput);
      return message('Page successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.page.delete',
    method: 'DELETE',
    path: `/backend/page/$page_id<${idOrName}>`,
    async handler({ platform, request }) {
      const id = await deletePage(platform.db, entityRef(request.params.page_id));
      return message('Page successfully deleted', id);
    },
  }),
];
