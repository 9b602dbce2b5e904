import type { ConsumerPage } from 'fusio-sdk';
import type { EntityRef } from '../../db/listing.js';
import { notFound } from '../../errors.js';
import { paging } from '../../http/query.js';
import { fillPlaceholders, pagePlaceholders } from '../../pages/placeholders.js';
import { pageMetadata } from '../../pages/repository.js';
import type { PageRow } from '../../pages/tables.js';
import { response } from '../../plugins/action.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

/**
 * Page content is Markdown for the portal to render (sanitised). These answers are JSON only and tell a
 * browser never to run or sniff them as anything else, so a page cannot be a way to serve script.
 */
const jsonOnly = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

function view(row: Omit<PageRow, 'content'>, content?: string): ConsumerPage {
  const page: ConsumerPage = { id: row.id, title: row.title, slug: row.slug };
  if (content !== undefined) page.content = content;
  const metadata = pageMetadata(row);
  if (metadata) page.metadata = metadata;
  return page;
}

/** An id or `~slug`, as Fusio takes them; anything else names no page (Fusio reads it as id 0). */
function pageRef(raw: string | undefined): EntityRef {
  if (raw?.startsWith('~')) {
    try {
      return { name: decodeURIComponent(raw.slice(1)) };
    } catch {
      throw notFound('Could not find page');
    }
  }
  if (raw !== undefined && /^\d{1,15}$/.test(raw)) return { id: Number(raw) };
  throw notFound('Could not find page');
}

/** The developer portal's pages (fusio-sdk ConsumerPageTag), public. */
export const consumerPageOperations: SystemOperation[] = [
  systemOperation({
    name: 'consumer.page.getAll',
    method: 'GET',
    path: '/consumer/page',
    public: true,
    description: 'The visible pages of the developer portal, by slug (without content)',
    async handler({ platform, request }) {
      return response(
        200,
        await platform.pages.visible(platform.db, paging(request.query), (row) => view(row)),
        jsonOnly,
      );
    },
  }),
  systemOperation({
    name: 'consumer.page.get',
    method: 'GET',
    path: '/consumer/page/:page_id',
    public: true,
    description: "A page by id or ~slug: Markdown, with this installation's values in its placeholders",
    async handler({ platform, request }) {
      const row = await platform.pages.find(platform.db, pageRef(request.params.page_id));
      const content = fillPlaceholders(row.content, pagePlaceholders(platform.config, platform.settings));
      return response(200, view(row, content), jsonOnly);
    },
  }),
];
