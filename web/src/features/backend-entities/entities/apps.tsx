import { Button, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import type { BackendApp } from 'fusio-sdk';
import { useState } from 'react';
import { SecretValue, ShownOnce } from '../../../components/ui/secret-once';
import { errorMessage } from '../../../lib/api-client';
import { useSession } from '../../../lib/session';
import { idText, idValue, scopeNames, textValue, userIds, userName } from '../lib/sources';
import { count, defineEntity, Mono, metadataBody, metadataField, metadataValue, Tags, When } from './common';

export const appStatuses = [
  { value: '1', label: 'Active' },
  { value: '2', label: 'Pending' },
  { value: '3', label: 'Deactivated' },
];

/** The app's live tokens, each revocable. */
function AppTokens({ row, reload }: { row: BackendApp; reload(): void }) {
  const { call } = useSession();
  const [failed, setFailed] = useState<string | null>(null);
  const tokens = row.tokens ?? [];
  return (
    <Stack gap="xs">
      <Title order={2} size="h3">
        Tokens
      </Title>
      {failed ? (
        <Text c="red" role="alert">
          {failed}
        </Text>
      ) : null}
      {tokens.length === 0 ? (
        <Text>No live tokens.</Text>
      ) : (
        <Table.ScrollContainer minWidth={480}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Issued</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>Scopes</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Revoke</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>
                    <When date={t.date} />
                  </Table.Td>
                  <Table.Td>
                    <When date={t.expire} />
                  </Table.Td>
                  <Table.Td>
                    <Tags values={t.scopes} />
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      color="red"
                      aria-label={`Revoke token ${t.id}`}
                      onClick={async () => {
                        setFailed(null);
                        try {
                          await call((c) => c.backend().app().deleteToken(String(row.id), String(t.id)));
                          reload();
                        } catch (error) {
                          setFailed(errorMessage(error));
                        }
                      }}
                    >
                      Revoke
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

export const apps = defineEntity<BackendApp>({
  path: 'apps',
  api: 'app',
  what: 'app',
  plural: 'Apps',
  group: 'Consumers',
  intro: 'An app is the software of a developer; its key and secret get it tokens with its scopes.',
  list: (c, p) => c.backend().app().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (a) => a.name },
    { label: 'Key', render: (a) => <Mono>{a.appKey}</Mono> },
    { label: 'Status', render: (a) => appStatuses.find((s) => s.value === String(a.status))?.label ?? a.status },
    { label: 'Created', render: (a) => <When date={a.date} /> },
  ],
  idOf: (a) => a.id,
  nameOf: (a) => a.name ?? `#${a.id}`,
  get: (c, id) => c.backend().app().get(id),
  fields: (mode) => [
    {
      kind: 'select',
      name: 'userId',
      label: 'Owner',
      description: 'The user the app belongs to',
      options: userIds,
      labelOf: userName,
      required: true,
      disabled: mode === 'edit',
      match: /user id/i,
    },
    { kind: 'text', name: 'name', label: 'Name', required: true, match: /app name|app already exists/i },
    { kind: 'text', name: 'url', label: 'URL', type: 'url', required: true, placeholder: 'https://', match: /url/i },
    { kind: 'select', name: 'status', label: 'Status', options: appStatuses, match: /status/i },
    { kind: 'multiselect', name: 'scopes', label: 'Scopes', options: scopeNames, match: /scope/i },
    metadataField,
  ],
  values: (a) => ({
    userId: idText(a?.userId),
    name: a?.name ?? '',
    url: a?.url ?? '',
    status: String(a?.status ?? 1),
    scopes: a?.scopes ?? [],
    metadata: metadataValue(a?.metadata),
  }),
  body: (v, mode) => ({
    ...(mode === 'create' ? { userId: idValue(v.userId) } : {}),
    name: textValue(v.name),
    url: textValue(v.url),
    status: Number(v.status ?? 1),
    scopes: v.scopes,
    metadata: metadataBody(v.metadata),
  }),
  create: (c, body) => c.backend().app().create(body),
  update: (c, id, body) => c.backend().app().update(id, body),
  remove: (c, id) => c.backend().app().delete(id),
  async dependents(_c, a) {
    const tokens = a.tokens?.length ?? 0;
    return tokens > 0 ? [`${count(tokens, 'live token')} stop working`] : [];
  },
  consequence: 'Its key and secret stop working at once.',
  Created: ({ answer }) => {
    const { appKey, appSecret } = answer as { appKey?: string; appSecret?: string };
    return (
      <ShownOnce>
        {appKey ? <SecretValue label="App key" value={appKey} /> : null}
        {appSecret ? <SecretValue label="App secret" value={appSecret} /> : null}
      </ShownOnce>
    );
  },
  Extra: ({ row, reload }) => (
    <Stack>
      <Text size="sm">
        Key: <Mono>{row.appKey}</Mono> — the secret was shown once, when the app was created.
      </Text>
      <AppTokens row={row} reload={reload} />
    </Stack>
  ),
});
