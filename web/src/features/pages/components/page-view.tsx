import { Alert, Loader, Stack, Title } from '@mantine/core';
import { useEffect } from 'react';
import { Markdown } from '../../../components/ui/markdown';
import { useAbout } from '../../../lib/branding';
import { usePage } from '../api/pages';

/** One content page (the home page is `overview`), its title as the document's heading. */
export function PageView({ slug }: { slug: string }) {
  const page = usePage(slug);
  const { branding } = useAbout();
  useEffect(() => {
    if (page.state === 'ready' && page.value.title) document.title = `${page.value.title} · ${branding.title}`;
  }, [page, branding.title]);

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
      <Title order={2}>{page.value.title}</Title>
      <Markdown source={page.value.content ?? ''} />
    </Stack>
  );
}
