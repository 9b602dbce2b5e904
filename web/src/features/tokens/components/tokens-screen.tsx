import { Alert, Button, Group, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { ConfirmButton } from '../../../components/ui/confirm-button';
import { type FormProblem, problemOf } from '../../../components/ui/form-helpers';
import { QueryView } from '../../../components/ui/query-view';
import { SecretValue, ShownOnce } from '../../../components/ui/secret-once';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';
import { ScopePicker } from '../../scopes/components/scope-picker';

type Field = 'name' | 'expire' | 'scopes';
const fields: Record<Field, RegExp> = { scopes: /scope/i, expire: /expire|date/i, name: /name/i };

/** Personal access tokens: a token for scripts, made here, shown once. */
export function TokensScreen() {
  useDocumentTitle('Tokens');
  const { call } = useSession();
  const tokens = useApiQuery((client) => client.consumer().token().getAll(0, 1024), []);
  const [name, setName] = useState('');
  const [expire, setExpire] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [problem, setProblem] = useState<FormProblem<Field> | null>(null);
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const missing: FormProblem<Field> | null = !name.trim()
      ? { field: 'name', message: 'Give the token a name' }
      : !/^\d{4}-\d{2}-\d{2}$/.test(expire)
        ? { field: 'expire', message: 'Choose the day the token expires' }
        : scopes.length === 0
          ? { field: 'scopes', message: 'Choose at least one scope' }
          : null;
    setProblem(missing);
    if (missing) return;
    setBusy(true);
    try {
      const answer = await call((client) =>
        client
          .consumer()
          .token()
          .create({ name: name.trim(), scopes, expire: `${expire}T23:59:59Z` }),
      );
      setIssued(answer.access_token ?? '');
      setName('');
      setScopes([]);
      tokens.reload();
    } catch (error) {
      setProblem(problemOf(error, fields));
    } finally {
      setBusy(false);
    }
  }

  const errorOf = (field: Field) => (problem?.field === field ? problem.message : null);
  return (
    <Stack>
      <Title order={1}>Personal access tokens</Title>
      <Text>A token acts as you, with the scopes you choose, until the day it expires or you delete it.</Text>
      {issued ? (
        <ShownOnce>
          <SecretValue label="Access token" value={issued} />
        </ShownOnce>
      ) : null}
      <QueryView query={tokens}>
        {(list) =>
          (list.entry ?? []).length === 0 ? (
            <Text>You have no tokens.</Text>
          ) : (
            <Table.ScrollContainer minWidth={560}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Scopes</Table.Th>
                    <Table.Th>Expires</Table.Th>
                    <Table.Th>
                      <VisuallyHidden>Actions</VisuallyHidden>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(list.entry ?? []).map((token) => (
                    <Table.Tr key={token.id}>
                      <Table.Td>{token.name}</Table.Td>
                      <Table.Td>{(token.scopes ?? []).join(', ')}</Table.Td>
                      <Table.Td>{token.expire ? new Date(token.expire).toLocaleDateString() : '—'}</Table.Td>
                      <Table.Td>
                        <ConfirmButton
                          size="compact-sm"
                          label="Delete"
                          aria-label={`Delete token ${token.name}`}
                          title={`Delete the token ${token.name}?`}
                          message="Scripts that use it stop working at once."
                          confirmLabel="Delete"
                          onConfirm={async () => {
                            await call((client) => client.consumer().token().delete(String(token.id)));
                            tokens.reload();
                          }}
                        />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryView>
      <Title order={2}>New token</Title>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm" maw={640}>
          {problem && problem.field === null ? (
            <Alert color="red" role="alert">
              {problem.message}
            </Alert>
          ) : null}
          <TextInput
            label="Name"
            name="name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errorOf('name')}
            required
          />
          <TextInput
            label="Expires on"
            name="expire"
            type="date"
            value={expire}
            onChange={(e) => setExpire(e.currentTarget.value)}
            error={errorOf('expire')}
            required
          />
          <ScopePicker value={scopes} onChange={setScopes} error={errorOf('scopes')} />
          <Group>
            <Button type="submit" loading={busy}>
              Create token
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
