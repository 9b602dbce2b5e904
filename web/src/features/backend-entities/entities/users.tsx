import { Anchor, Button, Group, List, Stack, Text, Title } from '@mantine/core';
import type { BackendUser } from 'fusio-sdk';
import { useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../../lib/api-client';
import { useSession } from '../../../lib/session';
import { idText, idValue, planIds, planName, roleIds, roleName, scopeNames, textValue } from '../lib/sources';
import { count, defineEntity, metadataBody, metadataField, metadataValue, Tags, When } from './common';

const active = 1;
const disabled = 2;
export const userStatuses = [
  { value: String(active), label: 'Active' },
  { value: String(disabled), label: 'Deactivated' },
];

/** Activate or deactivate at once; a deactivated user's tokens are revoked by the API. */
function UserActions({ row, reload }: { row: BackendUser; reload(): void }) {
  const { call } = useSession();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setNote(null);
    try {
      await what();
      setNote({ ok: true, text: done });
      reload();
    } catch (error) {
      setNote({ ok: false, text: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };
  const id = String(row.id);
  return (
    <Stack gap={4} align="flex-end">
      <Group gap="xs">
        {row.status === active ? (
          <Button
            variant="default"
            loading={busy}
            onClick={() =>
              run(() => call((c) => c.backend().user().update(id, { status: disabled })), 'User deactivated')
            }
          >
            Deactivate user
          </Button>
        ) : (
          <>
            <Button
              loading={busy}
              onClick={() =>
                run(() => call((c) => c.backend().user().update(id, { status: active })), 'User activated')
              }
            >
              Activate user
            </Button>
            <Button
              variant="default"
              loading={busy}
              onClick={() => run(() => call((c) => c.backend().user().resend(id, {})), 'Activation mail sent again')}
            >
              Resend activation mail
            </Button>
          </>
        )}
      </Group>
      {note ? (
        <Text size="sm" c={note.ok ? undefined : 'red'} role={note.ok ? 'status' : 'alert'}>
          {note.text}
        </Text>
      ) : null}
    </Stack>
  );
}

function UserApps({ row }: { row: BackendUser }) {
  const apps = row.apps ?? [];
  return (
    <Stack gap="xs">
      <Title order={2} size="h3">
        Apps
      </Title>
      {apps.length === 0 ? (
        <Text>No apps.</Text>
      ) : (
        <List>
          {apps.map((a) => (
            <List.Item key={a.id}>
              <Anchor component={Link} to={`/apps/${a.id}`}>
                {a.name}
              </Anchor>
            </List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}

export const users = defineEntity<BackendUser>({
  path: 'users',
  api: 'user',
  what: 'user',
  plural: 'Users',
  group: 'Consumers',
  searchLabel: 'Search users by name or email',
  list: (c, p) => c.backend().user().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (u) => u.name },
    { label: 'Email', render: (u) => u.email },
    { label: 'Status', render: (u) => userStatuses.find((s) => s.value === String(u.status))?.label ?? u.status },
    { label: 'Registered', render: (u) => <When date={u.date} /> },
  ],
  idOf: (u) => u.id,
  nameOf: (u) => u.name ?? `#${u.id}`,
  get: (c, id) => c.backend().user().get(id),
  fields: (mode) => [
    { kind: 'text', name: 'name', label: 'Name', required: true, autoComplete: 'off', match: /user name/i },
    {
      kind: 'text',
      name: 'email',
      label: 'Email',
      type: 'email',
      required: true,
      autoComplete: 'off',
      match: /email/i,
    },
    ...(mode === 'create'
      ? [
          {
            kind: 'text' as const,
            name: 'password',
            label: 'Password',
            type: 'password' as const,
            required: true,
            autoComplete: 'new-password',
            match: /password/i,
          },
        ]
      : []),
    {
      kind: 'select',
      name: 'roleId',
      label: 'Role',
      options: roleIds,
      labelOf: roleName,
      required: true,
      match: /role/i,
    },
    {
      kind: 'select',
      name: 'planId',
      label: 'Plan',
      options: planIds,
      labelOf: planName,
      clearable: true,
      match: /plan/i,
    },
    { kind: 'select', name: 'status', label: 'Status', options: userStatuses, match: /status/i },
    ...(mode === 'edit'
      ? [
          {
            kind: 'number' as const,
            name: 'points',
            label: 'Points',
            description: 'Operations with costs take from them',
            min: 0,
            match: /points/i,
          },
        ]
      : []),
    // the answer does not tell the user's own scopes from the role's: only a new user is given some here
    ...(mode === 'create'
      ? [
          {
            kind: 'multiselect' as const,
            name: 'scopes',
            label: 'Own scopes',
            description: 'Beside those of the role and the plan',
            options: scopeNames,
            match: /scope/i,
          },
        ]
      : []),
    metadataField,
  ],
  values: (u) => ({
    name: u?.name ?? '',
    email: u?.email ?? '',
    password: '',
    roleId: idText(u?.roleId),
    planId: idText(u?.planId),
    status: String(u?.status ?? active),
    points: u?.points ?? null,
    scopes: [],
    metadata: metadataValue(u?.metadata),
  }),
  body: (v, mode) => ({
    name: textValue(v.name),
    email: textValue(v.email),
    ...(mode === 'create' ? { password: v.password } : {}),
    roleId: idValue(v.roleId) ?? undefined,
    planId: idValue(v.planId),
    status: Number(v.status ?? active),
    ...(mode === 'edit' && typeof v.points === 'number' ? { points: v.points } : {}),
    ...(mode === 'create' ? { scopes: v.scopes } : {}),
    metadata: metadataBody(v.metadata),
  }),
  create: (c, body) => c.backend().user().create(body),
  update: (c, id, body) => c.backend().user().update(id, body),
  remove: (c, id) => c.backend().user().delete(id),
  async dependents(_c, u) {
    const apps = u.apps?.length ?? 0;
    return apps > 0
      ? [`${count(apps, 'app')} of this user stop working: ${u.apps?.map((a) => a.name).join(', ')}`]
      : [];
  },
  consequence: 'The user can no longer log in; their tokens are revoked.',
  Actions: UserActions,
  Extra: ({ row }) => (
    <Stack>
      <Stack gap={4}>
        <Title order={2} size="h3">
          Scopes
        </Title>
        <Text size="sm">What the user may do, from the role, the plan and their own:</Text>
        <Tags values={row.scopes} max={40} />
      </Stack>
      <UserApps row={row} />
    </Stack>
  ),
});
