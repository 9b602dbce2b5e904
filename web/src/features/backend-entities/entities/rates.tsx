import { ActionIcon, Alert, Button, Fieldset, Group, List, Select, Stack, Text } from '@mantine/core';
import type { BackendRate, BackendRateAllocation } from 'fusio-sdk';
import { useEffect, useState } from 'react';
import { useSession } from '../../../lib/session';
import type { FieldValue, FormValues } from '../components/entity-form';
import { RemoteSelect } from '../components/entity-select';
import {
  appIds,
  appName,
  idText,
  idValue,
  operationIds,
  operationName,
  planIds,
  planName,
  textValue,
  userIds,
  userName,
} from '../lib/sources';
import { defineEntity, Mono, metadataBody, metadataField, metadataValue } from './common';

/** One allocation as the form holds it: ids as text (a select's value), `authenticated` as any/yes/no. */
type AllocationValue = {
  /** a key for React only: a removed allocation takes its pickers' state with it */
  uid: number;
  operationId: string | null;
  userId: string | null;
  planId: string | null;
  appId: string | null;
  authenticated: 'any' | 'yes' | 'no';
};

const timespans = [
  { value: 'PT1S', label: 'a second (PT1S)' },
  { value: 'PT1M', label: 'a minute (PT1M)' },
  { value: 'PT1H', label: 'an hour (PT1H)' },
  { value: 'P1D', label: 'a day (P1D)' },
  { value: 'P1W', label: 'a week (P1W)' },
  { value: 'P1M', label: 'a month (P1M)' },
];

let uids = 0;
const emptyAllocation = (): AllocationValue => ({
  uid: ++uids,
  operationId: null,
  userId: null,
  planId: null,
  appId: null,
  authenticated: 'any',
});

function toAllocationValues(list: BackendRateAllocation[] | undefined): AllocationValue[] {
  return (list ?? []).map((a) => ({
    uid: ++uids,
    operationId: idText(a.operationId),
    userId: idText(a.userId),
    planId: idText(a.planId),
    appId: idText(a.appId),
    authenticated: a.authenticated === undefined || a.authenticated === null ? 'any' : a.authenticated ? 'yes' : 'no',
  }));
}

const allocationsOf = (values: FormValues) => (values.allocation ?? []) as unknown as AllocationValue[];

/** Covers any caller with a token, administrators calling the API included. */
const unrestricted = (a: AllocationValue) => !a.userId && !a.planId && !a.appId && a.authenticated !== 'no';

function AllocationsEditor({
  value,
  onChange,
}: {
  value: AllocationValue[];
  onChange(value: AllocationValue[]): void;
}) {
  const set = (index: number, patch: Partial<AllocationValue>) =>
    onChange(value.map((a, i) => (i === index ? { ...a, ...patch } : a)));
  return (
    <Fieldset legend="Allocations: the requests this rate counts">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          Each criterion left empty matches every request. A request is counted by the rate of the highest priority
          whose allocation matches.
        </Text>
        {value.length === 0 ? <Text size="sm">No allocation: this rate applies to no request.</Text> : null}
        {value.map((a, index) => {
          const n = index + 1;
          return (
            <Stack
              key={a.uid}
              gap="xs"
              p="sm"
              style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 4 }}
            >
              <Group justify="space-between">
                <Text fw={600} size="sm">
                  Allocation {n}
                </Text>
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={`Remove allocation ${n}`}
                  onClick={() => onChange(value.filter((_, i) => i !== index))}
                >
                  ×
                </ActionIcon>
              </Group>
              <Group grow align="flex-start" wrap="wrap">
                <RemoteSelect
                  label={`Operation (allocation ${n})`}
                  placeholder="any operation"
                  source={operationIds}
                  labelOf={operationName}
                  value={a.operationId}
                  onChange={(v) => set(index, { operationId: v })}
                  clearable
                />
                <Select
                  label={`Token (allocation ${n})`}
                  data={[
                    { value: 'any', label: 'with or without a token' },
                    { value: 'yes', label: 'with a token' },
                    { value: 'no', label: 'without a token' },
                  ]}
                  value={a.authenticated}
                  onChange={(v) => set(index, { authenticated: (v ?? 'any') as AllocationValue['authenticated'] })}
                  allowDeselect={false}
                />
              </Group>
              <Group grow align="flex-start" wrap="wrap">
                <RemoteSelect
                  label={`User (allocation ${n})`}
                  placeholder="any user"
                  source={userIds}
                  labelOf={userName}
                  value={a.userId}
                  onChange={(v) => set(index, { userId: v })}
                  clearable
                />
                <RemoteSelect
                  label={`Plan (allocation ${n})`}
                  placeholder="any plan"
                  source={planIds}
                  labelOf={planName}
                  value={a.planId}
                  onChange={(v) => set(index, { planId: v })}
                  clearable
                />
                <RemoteSelect
                  label={`App (allocation ${n})`}
                  placeholder="any app"
                  source={appIds}
                  labelOf={appName}
                  value={a.appId}
                  onChange={(v) => set(index, { appId: v })}
                  clearable
                />
              </Group>
            </Stack>
          );
        })}
        <Group>
          <Button variant="default" size="xs" onClick={() => onChange([...value, emptyAllocation()])}>
            Add allocation
          </Button>
        </Group>
      </Stack>
    </Fieldset>
  );
}

/** Says when the rate would count the administrators' requests, so an operator cannot lock themselves out unaware. */
function AdministratorWarning({ values }: { values: FormValues }) {
  const { call } = useSession();
  const allocations = allocationsOf(values);
  const [admins, setAdmins] = useState<string[]>([]);
  const users = allocations.map((a) => a.userId).filter((u): u is string => !!u);
  const key = users.join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: the user ids decide
  useEffect(() => {
    let live = true;
    if (users.length === 0) {
      setAdmins([]);
      return;
    }
    call(async (client) => {
      const found: string[] = [];
      for (const id of new Set(users)) {
        const user = await client.backend().user().get(id);
        const role = user.roleId ? await client.backend().role().get(String(user.roleId)) : null;
        if (role?.name === 'Administrator') found.push(user.name ?? id);
      }
      return found;
    })
      .then((found) => live && setAdmins(found))
      .catch(() => live && setAdmins([]));
    return () => {
      live = false;
    };
  }, [key, call]);

  const open = allocations.map((a, i) => (unrestricted(a) ? i + 1 : 0)).filter((n) => n > 0);
  if (open.length === 0 && admins.length === 0) return null;
  const limit = typeof values.rateLimit === 'number' ? values.rateLimit : null;
  return (
    <Alert color="orange" role="alert" title="This rate covers administrators">
      <List size="sm">
        {open.length > 0 ? (
          <List.Item>
            Allocation {open.join(', ')} names no user, plan or app: it counts every request with a token, the
            administrators’ calls to your API included
            {limit !== null ? ` (${limit} per ${textValue(values.timespan) ?? 'timespan'})` : ''}.
          </List.Item>
        ) : null}
        {admins.length > 0 ? <List.Item>It names the administrator {admins.join(', ')}.</List.Item> : null}
        <List.Item>
          When the limit is reached, administrators get 429 from your API too. Their calls to /backend (this app) are
          never limited, so nobody is locked out of the admin app.
        </List.Item>
      </List>
    </Alert>
  );
}

export const rates = defineEntity<BackendRate>({
  path: 'rates',
  api: 'rate',
  what: 'rate',
  plural: 'Rates',
  group: 'Consumers',
  intro: 'A rate limits how many requests a caller may make in a timespan.',
  list: (c, p) => c.backend().rate().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (r) => r.name },
    { label: 'Priority', render: (r) => r.priority },
    { label: 'Limit', render: (r) => r.rateLimit },
    { label: 'Timespan', render: (r) => <Mono>{r.timespan}</Mono> },
  ],
  idOf: (r) => r.id,
  nameOf: (r) => r.name ?? `#${r.id}`,
  get: (c, id) => c.backend().rate().get(id),
  fields: (_mode, row) => [
    { kind: 'text', name: 'name', label: 'Name', required: true, match: /rate name|rate already exists/i },
    {
      kind: 'number',
      name: 'priority',
      label: 'Priority',
      description: 'The highest priority whose allocation matches wins',
      match: /priority/i,
    },
    { kind: 'number', name: 'rateLimit', label: 'Requests allowed', min: 0, required: true, match: /rate limit/i },
    {
      kind: 'select',
      name: 'timespan',
      label: 'Per timespan',
      // a timespan set through the API (PT2H) stays choosable
      options:
        row?.timespan && !timespans.some((t) => t.value === row.timespan)
          ? [...timespans, { value: row.timespan, label: row.timespan }]
          : timespans,
      required: true,
      match: /timespan/i,
    },
    metadataField,
  ],
  values: (r) => ({
    name: r?.name ?? '',
    priority: r?.priority ?? 0,
    rateLimit: r?.rateLimit ?? 3600,
    timespan: r?.timespan ?? 'PT1H',
    // a new rate starts with one allocation that matches everything: the warning says what that means
    allocation: (r ? toAllocationValues(r.allocation) : [emptyAllocation()]) as unknown as FieldValue,
    metadata: metadataValue(r?.metadata),
  }),
  body: (v) => ({
    name: textValue(v.name),
    priority: typeof v.priority === 'number' ? v.priority : 0,
    rateLimit: typeof v.rateLimit === 'number' ? v.rateLimit : undefined,
    timespan: v.timespan,
    allocation: allocationsOf(v).map((a) => ({
      operationId: idValue(a.operationId),
      userId: idValue(a.userId),
      planId: idValue(a.planId),
      appId: idValue(a.appId),
      authenticated: a.authenticated === 'any' ? null : a.authenticated === 'yes',
    })),
    metadata: metadataBody(v.metadata),
  }),
  create: (c, body) => c.backend().rate().create(body),
  update: (c, id, body) => c.backend().rate().update(id, body),
  remove: (c, id) => c.backend().rate().delete(id),
  formExtra: (values, set) => (
    <AllocationsEditor
      value={allocationsOf(values)}
      onChange={(next) => set('allocation', next as unknown as FieldValue)}
    />
  ),
  warnings: (values) => <AdministratorWarning values={values} />,
  consequence: 'The requests it counted fall to the next rate whose allocation matches, or to no limit.',
});
