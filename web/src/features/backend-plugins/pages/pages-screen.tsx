import { Badge } from '@mantine/core';
import type { BackendPage } from 'fusio-sdk';
import { EntityList } from '../components/entity-list';

/** The developer portal's content pages. */
export default function PagesScreen() {
  return (
    <EntityList<BackendPage>
      title="Pages"
      noun="page"
      intro="Content pages of the developer portal, written in Markdown. Placeholders such as {base_url} and {portal_url} are filled when the portal shows a page."
      load={(client, start, count, search) => client.backend().page().getAll(start, count, search)}
      columns={[
        { label: 'Title', cell: (p) => p.title },
        { label: 'Address', cell: (p) => `/page/${p.slug}` },
        {
          label: 'Shown',
          cell: (p) =>
            p.status === 2 ? (
              <Badge variant="filled" color="gray.8">
                hidden
              </Badge>
            ) : (
              <Badge variant="filled" color="teal.9">
                visible
              </Badge>
            ),
        },
      ]}
      linkOf={(p) => `/pages/${p.id}`}
      createTo="/pages/new"
    />
  );
}
