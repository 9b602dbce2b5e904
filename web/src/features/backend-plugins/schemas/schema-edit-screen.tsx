import { Alert, Button, Grid, Group, List, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { BackendSchema } from 'fusio-sdk';
import { type FormEvent, useMemo, useState } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { ConfirmButton } from '../../../components/ui/confirm-button';
import { QueryView } from '../../../components/ui/query-view';
import { errorMessage } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';
import { Notice, ScreenHeading } from '../components/screen-parts';
import { checkExample, exampleOf, parseJson, schemaProblems } from './schema-check';

const starter = `{
  "type": "object",
  "title": "",
  "properties": {
    "id": { "type": "integer" },
    "title": { "type": "string", "maxLength": 128 }
  },
  "required": ["title"]
}`;

/** A JSON Schema editor: checked as it is typed, with an example value checked against it. */
export default function SchemaEditScreen() {
  const { id } = useParams();
  useDocumentTitle(id ? 'Schema' : 'New schema');
  const schema = useApiQuery((client) => (id ? client.backend().schema().get(id) : Promise.resolve(null)), [id]);
  return (
    <Stack>
      <QueryView query={schema}>
        {(stored) => (
          <>
            <ScreenHeading
              title={stored ? `Schema ${stored.name}` : 'New schema'}
              back="/schemas"
              backLabel="Schemas"
            />
            <SchemaEditor key={stored?.id ?? 'new'} stored={stored} />
          </>
        )}
      </QueryView>
    </Stack>
  );
}

function SchemaEditor({ stored }: { stored: BackendSchema | null }) {
  const { call } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [name, setName] = useState(stored?.name ?? '');
  const [source, setSource] = useState(stored ? JSON.stringify(stored.source ?? {}, null, 2) : starter);
  const [nameError, setNameError] = useState<string | null>(null);
  const [sourceError, setSourceError] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>((location.state as { saved?: string } | null)?.saved ?? null);
  const [busy, setBusy] = useState(false);
  const [typed] = useDebouncedValue(source, 300);

  const parsed = useMemo(() => parseJson(typed), [typed]);
  const check = useMemo(() => ('value' in parsed ? schemaProblems(parsed.value) : null), [parsed]);
  const refKey = (check?.refs ?? []).join('\n');
  const others = useApiQuery(
    async (client) => {
      const found: Record<string, unknown> = {};
      await Promise.all(
        (check?.refs ?? []).map(async (ref) => {
          try {
            found[ref] = (await client.backend().schema().get(`~${ref}`)).source ?? {};
          } catch {
            // a missing schema is reported by the check below
          }
        }),
      );
      return found;
    },
    [refKey],
  );

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    setProblem(null);
    const now = parseJson(source);
    setNameError(name.trim() === '' ? 'Give the schema a name' : null);
    if ('error' in now) {
      setSourceError(now.error);
      return;
    }
    const shape = schemaProblems(now.value);
    setSourceError(shape.problems[0] ?? null);
    if (name.trim() === '' || shape.problems.length > 0) return;
    setBusy(true);
    try {
      const body = { name: name.trim(), source: now.value as Record<string, unknown> };
      if (stored?.id) {
        await call((client) => client.backend().schema().update(String(stored.id), body));
        setSaved('The schema was saved.');
      } else {
        const answer = await call((client) => client.backend().schema().create(body));
        navigate(`/schemas/${answer.id}`, { state: { saved: 'The schema was created.' } });
      }
    } catch (error) {
      const message = errorMessage(error);
      if (/\bname\b/i.test(message) && !/source|json schema/i.test(message)) setNameError(message);
      else if (/source|schema/i.test(message)) setSourceError(message);
      else setProblem(message);
    } finally {
      setBusy(false);
    }
  }

  const liveError = 'error' in parsed ? parsed.error : (check?.problems[0] ?? null);
  return (
    <Grid gap="xl">
      <Grid.Col span={{ base: 12, lg: 7 }}>
        <form onSubmit={submit} noValidate aria-label={stored ? 'Edit schema' : 'New schema'}>
          <Stack gap="sm">
            {saved ? <Notice tone="done">{saved}</Notice> : null}
            {problem ? <Notice tone="error">{problem}</Notice> : null}
            <TextInput
              label="Name"
              name="name"
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={nameError}
              description={'Other schemas refer to it by this name: {"$ref": "Name"}'}
            />
            <Textarea
              label="JSON Schema"
              name="source"
              required
              value={source}
              onChange={(e) => {
                setSource(e.currentTarget.value);
                setSourceError(null);
              }}
              error={sourceError ?? (source === typed ? liveError : null)}
              description="JSON Schema 2020-12, as Portico validates request bodies with it"
              autosize
              minRows={14}
              maxRows={40}
              spellCheck={false}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
            />
            <Group>
              <Button type="submit" loading={busy}>
                {stored ? 'Save' : 'Create schema'}
              </Button>
              {stored?.id ? <DeleteSchema id={String(stored.id)} name={stored.name ?? ''} /> : null}
            </Group>
          </Stack>
        </form>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 5 }}>
        {'value' in parsed && check && check.problems.length === 0 ? (
          <ExamplePreview key={typed} schema={parsed.value} others={others.state === 'ready' ? others.value : null} />
        ) : (
          <Alert color="yellow" title="No example yet">
            The example appears once the schema is valid.
          </Alert>
        )}
      </Grid.Col>
    </Grid>
  );
}

function DeleteSchema({ id, name }: { id: string; name: string }) {
  const { call } = useSession();
  const navigate = useNavigate();
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <>
      <ConfirmButton
        label="Delete schema"
        title={`Delete the schema ${name}?`}
        message="Operations that use it as their request or response body keep it from being deleted: Portico names them if there are any."
        confirmLabel={`Delete ${name}`}
        onConfirm={async () => {
          setProblem(null);
          try {
            await call((client) => client.backend().schema().delete(id));
            navigate('/schemas');
          } catch (error) {
            setProblem(errorMessage(error));
          }
        }}
      />
      {problem ? <Notice tone="error">{problem}</Notice> : null}
    </>
  );
}

/** An example body made from the schema, editable, checked against the schema as it is typed. */
function ExamplePreview({ schema, others }: { schema: unknown; others: Record<string, unknown> | null }) {
  const generated = useMemo(
    () =>
      JSON.stringify(
        exampleOf(schema, (ref) => others?.[ref]),
        null,
        2,
      ),
    [schema, others],
  );
  const [example, setExample] = useState<string | null>(null);
  const [typed] = useDebouncedValue(example ?? generated, 250);
  const result = useMemo(() => {
    if (!others) return null;
    const value = parseJson(typed);
    if ('error' in value) return { valid: false as const, errors: [value.error] };
    return checkExample(schema, others, value.value);
  }, [typed, schema, others]);
  return (
    <Stack gap="sm">
      <Title order={2} size="h3">
        Example
      </Title>
      <Text size="sm">A body this schema describes. Change it to see what the schema accepts.</Text>
      <Textarea
        label="Example body"
        value={example ?? generated}
        onChange={(e) => setExample(e.currentTarget.value)}
        autosize
        minRows={8}
        maxRows={30}
        spellCheck={false}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
      />
      {example !== null ? (
        <Group>
          <Button variant="subtle" size="compact-sm" onClick={() => setExample(null)}>
            Back to the generated example
          </Button>
        </Group>
      ) : null}
      <div aria-live="polite">
        {result === null ? null : result.valid ? (
          <Alert color="teal" title="The example matches the schema" />
        ) : (
          <Alert color="red" title="The example does not match the schema">
            <List size="sm">
              {result.errors.slice(0, 8).map((e) => (
                <List.Item key={e}>{e}</List.Item>
              ))}
            </List>
          </Alert>
        )}
      </div>
    </Stack>
  );
}
