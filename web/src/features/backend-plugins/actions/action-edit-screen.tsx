import { Badge, Button, Group, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import type { BackendActionExecuteResponse } from 'fusio-sdk';
import { type FormEvent, useState } from 'react';
import { useParams } from 'react-router';
import type { PluginFormSpec } from '../../../components/plugin-form';
import { QueryView } from '../../../components/ui/query-view';
import { errorMessage } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';
import { PluginEditor } from '../components/plugin-editor';
import { JsonView, Notice, ScreenHeading } from '../components/screen-parts';

/** Create an action (pick its type, fill the form the type describes) or edit one, and try it. */
export default function ActionEditScreen() {
  const { id } = useParams();
  useDocumentTitle(id ? 'Action' : 'New action');
  const data = useApiQuery(
    async (client) => {
      const [classes, action] = await Promise.all([
        client.backend().action().getClasses(),
        id ? client.backend().action().get(id) : Promise.resolve(null),
      ]);
      return { classes: classes.actions ?? [], action };
    },
    [id],
  );
  return (
    <Stack>
      <QueryView query={data}>
        {({ classes, action }) => (
          <>
            <ScreenHeading
              title={action ? `Action ${action.name}` : 'New action'}
              back="/actions"
              backLabel="Actions"
            />
            <PluginEditor
              key={action?.id ?? 'new'}
              noun="action"
              listPath="/actions"
              classes={classes}
              initial={
                action?.id
                  ? {
                      id: action.id,
                      name: action.name ?? '',
                      class: action.class ?? '',
                      config: (action.config ?? {}) as Record<string, unknown>,
                    }
                  : undefined
              }
              loadForm={(client, className) => client.backend().action().getForm(className) as Promise<PluginFormSpec>}
              save={async (client, entity) => {
                const body = { name: entity.name, class: entity.class, config: entity.config };
                const answer = action?.id
                  ? await client.backend().action().update(String(action.id), body)
                  : await client.backend().action().create(body);
                return answer.id;
              }}
              remove={async (client) => {
                await client.backend().action().delete(String(action?.id));
              }}
              deleteWarning="Operations that run this action keep it from being deleted: Portico names them if there are any."
            >
              {action?.id ? <ExecutePanel actionId={String(action.id)} /> : null}
            </PluginEditor>
          </>
        )}
      </QueryView>
    </Stack>
  );
}

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Runs the saved action with a request typed here, as an operation would, without an operation. */
function ExecutePanel({ actionId }: { actionId: string }) {
  const { call } = useSession();
  const [method, setMethod] = useState('GET');
  const [uriFragments, setUriFragments] = useState('');
  const [parameters, setParameters] = useState('');
  const [headers, setHeaders] = useState('');
  const [body, setBody] = useState('');
  const [bodyError, setBodyError] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [answer, setAnswer] = useState<BackendActionExecuteResponse | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    let parsed: Record<string, unknown> | undefined;
    if (body.trim() !== '') {
      try {
        parsed = JSON.parse(body) as Record<string, unknown>;
        setBodyError(null);
      } catch (error) {
        setBodyError(`This is not valid JSON: ${(error as Error).message}`);
        return;
      }
    }
    setBusy(true);
    try {
      setAnswer(
        await call((client) =>
          client
            .backend()
            .action()
            .execute(actionId, {
              method,
              uriFragments,
              parameters,
              headers,
              ...(parsed ? { body: parsed } : {}),
            }),
        ),
      );
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={run} noValidate aria-labelledby="execute-heading">
      <Stack gap="sm" maw={760}>
        <Title order={2} id="execute-heading">
          Try it
        </Title>
        <Text size="sm">Runs the saved action with this request; nothing is logged as an API call.</Text>
        <Group grow align="flex-start">
          <Select
            label="Method"
            data={methods}
            value={method}
            onChange={(v) => setMethod(v ?? 'GET')}
            allowDeselect={false}
          />
          <TextInput
            label="URI fragments"
            description="Path parameters, e.g. id=1"
            value={uriFragments}
            onChange={(e) => setUriFragments(e.currentTarget.value)}
          />
          <TextInput
            label="Query parameters"
            description="e.g. startIndex=0&count=5"
            value={parameters}
            onChange={(e) => setParameters(e.currentTarget.value)}
          />
        </Group>
        <Textarea
          label="Headers"
          description="One per line: Name: value"
          value={headers}
          onChange={(e) => setHeaders(e.currentTarget.value)}
          autosize
          minRows={2}
        />
        <Textarea
          label="Body (JSON)"
          value={body}
          onChange={(e) => setBody(e.currentTarget.value)}
          error={bodyError}
          autosize
          minRows={3}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        />
        <Group>
          <Button type="submit" variant="light" loading={busy}>
            Run action
          </Button>
        </Group>
        {problem ? <Notice tone="error">{problem}</Notice> : null}
        {answer ? (
          <Stack gap="xs" aria-live="polite">
            <Group gap="xs">
              <Text fw={500}>Status</Text>
              <Badge color={(answer.statusCode ?? 200) < 400 ? 'teal.9' : 'red.9'} variant="filled" size="lg">
                {answer.statusCode}
              </Badge>
            </Group>
            {answer.headers && Object.keys(answer.headers).length > 0 ? (
              <JsonView label="Response headers" value={answer.headers} />
            ) : null}
            <JsonView label="Response body" value={answer.body ?? null} />
          </Stack>
        ) : null}
      </Stack>
    </form>
  );
}
