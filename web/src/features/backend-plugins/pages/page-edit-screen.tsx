import { Button, Grid, Group, Paper, Stack, Switch, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { BackendPage } from 'fusio-sdk';
import { type FormEvent, useState } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { ConfirmButton } from '../../../components/ui/confirm-button';
import { Markdown } from '../../../components/ui/markdown';
import { QueryView } from '../../../components/ui/query-view';
import { errorMessage } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/branding';
import { apiBaseUrl } from '../../../lib/runtime';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';
import { Notice, ScreenHeading } from '../components/screen-parts';

/** A content page: title, address, visibility and Markdown with a live preview beside it. */
export default function PageEditScreen() {
  const { id } = useParams();
  useDocumentTitle(id ? 'Page' : 'New page');
  const page = useApiQuery((client) => (id ? client.backend().page().get(id) : Promise.resolve(null)), [id]);
  return (
    <Stack>
      <QueryView query={page}>
        {(stored) => (
          <>
            <ScreenHeading title={stored ? `Page ${stored.title}` : 'New page'} back="/pages" backLabel="Pages" />
            <PageEditor key={stored?.id ?? 'new'} stored={stored} />
          </>
        )}
      </QueryView>
    </Stack>
  );
}

type Field = 'title' | 'slug' | 'content';

/** The preview's links lead where the portal's will: the URL placeholders filled (the rest stay as written). */
function withUrls(text: string): string {
  const base = apiBaseUrl().replace(/\/+$/, '');
  return text.replace(/\{(base_url|portal_url|BASE_URL|API_URL|APPS_URL)\}/g, (_match, name: string) =>
    name === 'portal_url' ? `${base}/apps/developer` : name === 'APPS_URL' ? `${base}/apps` : base,
  );
}

function PageEditor({ stored }: { stored: BackendPage | null }) {
  const { call } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [title, setTitle] = useState(stored?.title ?? '');
  const [slug, setSlug] = useState(stored?.slug ?? '');
  const [visible, setVisible] = useState(stored ? stored.status !== 2 : true);
  const [content, setContent] = useState(stored?.content ?? '');
  const [preview] = useDebouncedValue(content, 200);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [deleteProblem, setDeleteProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>((location.state as { saved?: string } | null)?.saved ?? null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    setProblem(null);
    if (title.trim() === '') {
      setErrors({ title: 'Give the page a title' });
      return;
    }
    setErrors({});
    setBusy(true);
    const body = {
      title: title.trim(),
      ...(slug.trim() ? { slug: slug.trim() } : {}),
      status: visible ? 1 : 2,
      content,
    };
    try {
      if (stored?.id) {
        await call((client) => client.backend().page().update(String(stored.id), body));
        setSaved('The page was saved.');
      } else {
        const answer = await call((client) => client.backend().page().create(body));
        navigate(`/pages/${answer.id}`, { state: { saved: 'The page was created.' } });
      }
    } catch (error) {
      const message = errorMessage(error);
      const field: Field | null = /slug/i.test(message)
        ? 'slug'
        : /content/i.test(message)
          ? 'content'
          : /title/i.test(message)
            ? 'title'
            : null;
      if (field) setErrors({ [field]: message });
      else setProblem(message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label={stored ? 'Edit page' : 'New page'}>
      <Stack gap="sm">
        {saved ? <Notice tone="done">{saved}</Notice> : null}
        {problem ? <Notice tone="error">{problem}</Notice> : null}
        <Group grow align="flex-start" maw={900}>
          <TextInput
            label="Title"
            required
            value={title}
            onChange={(e) => setTitle(e.currentTarget.value)}
            error={errors.title}
          />
          <TextInput
            label="Slug"
            description={stored ? `The page is at /page/${stored.slug}` : 'Made from the title when empty'}
            value={slug}
            onChange={(e) => setSlug(e.currentTarget.value)}
            error={errors.slug}
          />
        </Group>
        <Switch
          label="Visible in the developer portal"
          checked={visible}
          onChange={(e) => setVisible(e.currentTarget.checked)}
        />
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Textarea
              label="Content (Markdown)"
              value={content}
              onChange={(e) => setContent(e.currentTarget.value)}
              error={errors.content}
              autosize
              minRows={16}
              maxRows={40}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Stack gap={4}>
              <Title order={2} size="h5" id="page-preview">
                Preview
              </Title>
              <Paper withBorder p="md" aria-labelledby="page-preview" component="section">
                {preview.trim() === '' ? (
                  <Text c="dimmed">Nothing written yet.</Text>
                ) : (
                  <Markdown source={withUrls(preview)} />
                )}
              </Paper>
            </Stack>
          </Grid.Col>
        </Grid>
        <Group>
          <Button type="submit" loading={busy}>
            {stored ? 'Save' : 'Create page'}
          </Button>
          {stored?.id ? (
            <ConfirmButton
              label="Delete page"
              title={`Delete the page ${stored.title}?`}
              message={`Links to /page/${stored.slug} will lead nowhere.`}
              confirmLabel={`Delete ${stored.title}`}
              onConfirm={async () => {
                setDeleteProblem(null);
                try {
                  await call((client) => client.backend().page().delete(String(stored.id)));
                  navigate('/pages');
                } catch (error) {
                  setDeleteProblem(errorMessage(error));
                }
              }}
            />
          ) : null}
        </Group>
        {deleteProblem ? <Notice tone="error">{deleteProblem}</Notice> : null}
      </Stack>
    </form>
  );
}
