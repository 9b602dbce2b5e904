import { Alert, Loader, Stack, Title } from '@mantine/core';
import { Markdown } from '../../../components/ui/markdown';
import { useDocumentTitle } from '../../../lib/branding';
import { usePage } from '../api/pages';

/** One content page (the home page is `overview`), its title as the document's heading. */
export function PageView({ slug }: { slug: string }) {
  const page = usePage(slug);
  useDocumentTitle(page.state === 'ready' ? (page.value.title ?? null) : null);

  if (page.state === 'loading') return <Loader aria-label="Loading" />;
  if (page.state === 'error') {
    return (
      <Alert color="red" title={page.status === 404 ? 'Page not found' : 'The page could not be loaded'} role="alert">
        {page.status === 404 ? 'There is no page at this address.' : page.message}
      </Alert>
    );
  }
  return (
    <Stack component="article" maw={860}>
      {/* a page that opens with its own heading has its title already */}
      {/^\s*# /.test(page.value.content ?? '') ? null : <Title order={1}>{page.value.title}</Title>}
      <Markdown source={page.value.content ?? ''} />
    </Stack>
  );
}
