import { Alert, Anchor, Badge, Button, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import type { CommonMessage } from 'fusio-sdk';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { type FormProblem, problemOf } from '../../../components/ui/form-helpers';
import { QueryView } from '../../../components/ui/query-view';
import { SecretValue, ShownOnce } from '../../../components/ui/secret-once';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';

type Field = 'event' | 'name' | 'endpoint';
const fields: Record<Field, RegExp> = { event: /event/i, endpoint: /endpoint|url|address/i, name: /name/i };

/** Webhooks: subscribe an endpoint to an event; the signing secret is shown once. */
export function WebhooksScreen() {
  useDocumentTitle('Webhooks');
  const { call } = useSession();
  const webhooks = useApiQuery((client) => client.consumer().webhook().getAll(0, 1024), []);
  const events = useApiQuery((client) => client.consumer().event().getAll(0, 1024), []);
  const [values, setValues] = useState({ event: '', name: '', endpoint: '' });
  const [problem, setProblem] = useState<FormProblem<Field> | null>(null);
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const missing: FormProblem<Field> | null = !values.event
      ? { field: 'event', message: 'Choose the event' }
      : !values.name.trim()
        ? { field: 'name', message: 'Give the webhook a name' }
        : !/^https?:\/\/\S+$/.test(values.endpoint.trim())
          ? { field: 'endpoint', message: 'Enter the URL Portico should call (https://…)' }
          : null;
    setProblem(missing);
    if (missing) return;
    setBusy(true);
    try {
      const answer = (await call((client) =>
        client
          .consumer()
          .webhook()
          .create({ ...values, name: values.name.trim(), endpoint: values.endpoint.trim() }),
      )) as CommonMessage & { secret?: string };
      setSecret(answer.secret ?? '');
      setValues({ event: '', name: '', endpoint: '' });
      webhooks.reload();
    } catch (error) {
      setProblem(problemOf(error, fields));
    } finally {
      setBusy(false);
    }
  }
  const errorOf = (field: Field) => (problem?.field === field ? problem.message : null);

  return (
    <Stack>
      <Title order={1}>Webhooks</Title>
      <Text>Portico calls your endpoint when an event happens, signed with the webhook's secret.</Text>
      {secret ? (
        <ShownOnce>
          <SecretValue label="Signing secret" value={secret} />
        </ShownOnce>
      ) : null}
      <QueryView query={webhooks}>
        {(list) =>
          (list.entry ?? []).length === 0 ? (
            <Text>You have no webhooks.</Text>
          ) : (
            <Table.ScrollContainer minWidth={560}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Event</Table.Th>
                    <Table.Th>Endpoint</Table.Th>
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(list.entry ?? []).map((hook) => (
                    <Table.Tr key={hook.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/webhooks/${hook.id}`}>
                          {hook.name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{hook.event}</Table.Td>
                      <Table.Td style={{ wordBreak: 'break-all' }}>{hook.endpoint}</Table.Td>
                      <Table.Td>
                        <Badge color={hook.status === 1 ? 'teal.9' : 'gray.9'} tt="none">
                          {hook.status === 1 ? 'active' : 'inactive'}
                        </Badge>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryView>
      <Title order={2}>Subscribe</Title>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm" maw={640}>
          {problem && problem.field === null ? (
            <Alert color="red" role="alert">
              {problem.message}
            </Alert>
          ) : null}
          <Select
            label="Event"
            value={values.event || null}
            onChange={(event) => setValues((v) => ({ ...v, event: event ?? '' }))}
            data={
              events.state === 'ready'
                ? (events.value.entry ?? []).map((e) => ({
                    value: e.name ?? '',
                    label: e.description ? `${e.name} — ${e.description}` : (e.name ?? ''),
                  }))
                : []
            }
            error={errorOf('event')}
            nothingFoundMessage="No events are offered"
            required
          />
          <TextInput
            label="Name"
            value={values.name}
            onChange={(e) => {
              const name = e.currentTarget.value;
              setValues((v) => ({ ...v, name }));
            }}
            error={errorOf('name')}
            required
          />
          <TextInput
            label="Endpoint URL"
            type="url"
            value={values.endpoint}
            onChange={(e) => {
              const endpoint = e.currentTarget.value;
              setValues((v) => ({ ...v, endpoint }));
            }}
            error={errorOf('endpoint')}
            required
          />
          <Group>
            <Button type="submit" loading={busy}>
              Subscribe
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
