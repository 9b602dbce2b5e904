import { Badge, Code, Stack, Table, Text, Title } from '@mantine/core';
import type { BackendCronjob, BackendEvent, BackendTrigger, BackendWebhook } from 'fusio-sdk';
import { SecretValue, ShownOnce } from '../../../components/ui/secret-once';
import {
  actionNames,
  countWhere,
  eventIds,
  eventName,
  eventNames,
  idText,
  idValue,
  schemaNames,
  textValue,
  userIds,
  userName,
} from '../lib/sources';
import { count, defineEntity, Mono, metadataBody, metadataField, metadataValue, When } from './common';

// as the API's name rules say (server/src/events/repository.ts)
const eventNameRule = '3 to 64 letters, digits, "-", "_" or "."';
const nameRule = 'letters, digits, "-" or "_"';

export const events = defineEntity<BackendEvent>({
  path: 'events',
  api: 'event',
  what: 'event',
  plural: 'Events',
  group: 'Events',
  intro: 'An event is something your API announces; webhooks and triggers receive it.',
  list: (c, p) => c.backend().event().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (e) => <Mono>{e.name}</Mono> },
    { label: 'Description', render: (e) => e.description },
  ],
  idOf: (e) => e.id,
  nameOf: (e) => e.name ?? `#${e.id}`,
  get: (c, id) => c.backend().event().get(id),
  fields: () => [
    {
      kind: 'text',
      name: 'name',
      label: 'Name',
      required: true,
      monospace: true,
      description: eventNameRule,
      match: /event name|event already exists/i,
    },
    { kind: 'textarea', name: 'description', label: 'Description', rows: 2, match: /description/i },
    {
      kind: 'select',
      name: 'schema',
      label: 'Payload schema',
      options: schemaNames,
      clearable: true,
      match: /schema/i,
    },
    metadataField,
  ],
  values: (e) => ({
    name: e?.name ?? '',
    description: e?.description ?? '',
    schema: e?.schema ?? null,
    metadata: metadataValue(e?.metadata),
  }),
  body: (v) => ({
    name: textValue(v.name),
    description: textValue(v.description) ?? '',
    ...(v.schema ? { schema: v.schema } : {}),
    metadata: metadataBody(v.metadata),
  }),
  create: (c, body) => c.backend().event().create(body),
  update: (c, id, body) => c.backend().event().update(id, body),
  remove: (c, id) => c.backend().event().delete(id),
  async dependents(c, e, token) {
    const lines: string[] = [];
    const hooks = await countWhere(token, 'webhook', `eventId=${e.id}`);
    if (hooks > 0) lines.push(`${count(hooks, 'webhook')} subscribed to it are deleted with their deliveries`);
    // triggers name their event and the API has no filter for it: the first 100 triggers are looked at
    const triggers = (await c.backend().trigger().getAll(0, 100)).entry?.filter((t) => t.event === e.name) ?? [];
    if (triggers.length > 0) lines.push(`Triggers that run on it: ${triggers.map((t) => t.name).join(', ')}`);
    return lines;
  },
});

const deliveryStatus: Record<number, { label: string; color: string }> = {
  1: { label: 'pending', color: 'blue' },
  2: { label: 'delivered', color: 'green' },
  3: { label: 'gave up', color: 'red' },
};

type Delivery = NonNullable<BackendWebhook['responses']>[number] & {
  event?: string;
  messageId?: string;
  body?: string;
  nextAttemptDate?: string;
  insertDate?: string;
};

function Deliveries({ row }: { row: BackendWebhook }) {
  const list = (row.responses ?? []) as Delivery[];
  return (
    <Stack gap="xs">
      <Title order={2} size="h3">
        Latest deliveries
      </Title>
      {list.length === 0 ? (
        <Text>Nothing was sent to this webhook yet.</Text>
      ) : (
        <Table.ScrollContainer minWidth={560}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Event</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>HTTP</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Last attempt</Table.Th>
                <Table.Th>Error</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((d) => {
                const status = deliveryStatus[d.status ?? 0];
                return (
                  <Table.Tr key={d.id}>
                    <Table.Td>
                      <Mono>{d.event}</Mono>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={status?.color ?? 'gray'} tt="none">
                        {status?.label ?? d.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{d.code ?? '—'}</Table.Td>
                    <Table.Td>{d.attempts}</Table.Td>
                    <Table.Td>
                      <When date={d.executeDate} />
                    </Table.Td>
                    <Table.Td>{d.error ? <Code>{d.error}</Code> : null}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

export const webhooks = defineEntity<BackendWebhook>({
  path: 'webhooks',
  api: 'webhook',
  what: 'webhook',
  plural: 'Webhooks',
  group: 'Events',
  intro: 'A webhook sends each event to an HTTP endpoint, signed, with retries.',
  list: (c, p) => c.backend().webhook().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (w) => w.name },
    { label: 'Endpoint', render: (w) => <Mono>{w.endpoint}</Mono> },
  ],
  idOf: (w) => w.id,
  nameOf: (w) => w.name ?? `#${w.id}`,
  get: (c, id) => c.backend().webhook().get(id),
  fields: (mode) => [
    {
      kind: 'select',
      name: 'eventId',
      label: 'Event',
      options: eventIds,
      labelOf: eventName,
      required: true,
      match: /event/i,
    },
    {
      kind: 'select',
      name: 'userId',
      label: 'Owner',
      description: 'Empty: you',
      options: userIds,
      labelOf: userName,
      clearable: true,
      disabled: mode === 'edit',
      match: /webhook user/i,
    },
    { kind: 'text', name: 'name', label: 'Name', description: 'Empty: the event’s name', match: /webhook name/i },
    {
      kind: 'text',
      name: 'endpoint',
      label: 'Endpoint URL',
      type: 'url',
      required: true,
      placeholder: 'https://',
      match: /endpoint/i,
    },
  ],
  values: (w) => ({
    eventId: idText(w?.eventId),
    userId: idText(w?.userId),
    name: w?.name ?? '',
    endpoint: w?.endpoint ?? '',
  }),
  body: (v, mode) => ({
    eventId: idValue(v.eventId) ?? undefined,
    ...(mode === 'create' && idValue(v.userId) !== null ? { userId: idValue(v.userId) } : {}),
    ...(textValue(v.name) ? { name: textValue(v.name) } : {}),
    endpoint: textValue(v.endpoint),
  }),
  create: (c, body) => c.backend().webhook().create(body),
  update: (c, id, body) => c.backend().webhook().update(id, body),
  remove: (c, id) => c.backend().webhook().delete(id),
  consequence: 'Deliveries still waiting are not sent.',
  Created: ({ answer }) => {
    const { secret } = answer as { secret?: string };
    return secret ? (
      <ShownOnce>
        <SecretValue label="Signing secret" value={secret} />
      </ShownOnce>
    ) : null;
  },
  Extra: ({ row }) => <Deliveries row={row} />,
});

type Run = { id: number; status: number; attempts: number; messageId: string; error?: string; executeDate?: string };

export const triggers = defineEntity<BackendTrigger & { runs?: Run[] }>({
  path: 'triggers',
  api: 'trigger',
  what: 'trigger',
  plural: 'Triggers',
  group: 'Events',
  intro: 'A trigger runs an action whenever an event happens.',
  list: (c, p) => c.backend().trigger().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (t) => t.name },
    { label: 'Event', render: (t) => <Mono>{t.event}</Mono> },
    { label: 'Action', render: (t) => <Mono>{t.action}</Mono> },
  ],
  idOf: (t) => t.id,
  nameOf: (t) => t.name ?? `#${t.id}`,
  get: (c, id) => c.backend().trigger().get(id),
  fields: () => [
    {
      kind: 'text',
      name: 'name',
      label: 'Name',
      required: true,
      description: nameRule,
      match: /trigger name|trigger already exists/i,
    },
    { kind: 'select', name: 'event', label: 'Event', options: eventNames, required: true, match: /event/i },
    { kind: 'select', name: 'action', label: 'Action', options: actionNames, required: true, match: /action/i },
    metadataField,
  ],
  values: (t) => ({
    name: t?.name ?? '',
    event: t?.event ?? null,
    action: t?.action ?? null,
    metadata: metadataValue(t?.metadata),
  }),
  body: (v) => ({ name: textValue(v.name), event: v.event, action: v.action, metadata: metadataBody(v.metadata) }),
  create: (c, body) => c.backend().trigger().create(body),
  update: (c, id, body) => c.backend().trigger().update(id, body),
  remove: (c, id) => c.backend().trigger().delete(id),
  Extra: ({ row }) => (
    <Stack gap="xs">
      <Title order={2} size="h3">
        Latest runs
      </Title>
      {(row.runs ?? []).length === 0 ? (
        <Text>It has not run yet.</Text>
      ) : (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Message</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Attempts</Table.Th>
              <Table.Th>When</Table.Th>
              <Table.Th>Error</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(row.runs ?? []).map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>
                  <Mono>{r.messageId}</Mono>
                </Table.Td>
                <Table.Td>{deliveryStatus[r.status]?.label ?? r.status}</Table.Td>
                <Table.Td>{r.attempts}</Table.Td>
                <Table.Td>
                  <When date={r.executeDate} />
                </Table.Td>
                <Table.Td>{r.error ? <Code>{r.error}</Code> : null}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  ),
});

type CronError = NonNullable<BackendCronjob['errors']>[number] & { insertDate?: string };

export const cronjobs = defineEntity<BackendCronjob>({
  path: 'cronjobs',
  api: 'cronjob',
  what: 'cronjob',
  plural: 'Cronjobs',
  group: 'Events',
  intro: 'A cronjob runs an action on a schedule (UTC).',
  list: (c, p) => c.backend().cronjob().getAll(p.startIndex, p.count, p.search),
  columns: [
    { label: 'Name', render: (j) => j.name },
    { label: 'Schedule', render: (j) => <Mono>{j.cron}</Mono> },
    { label: 'Action', render: (j) => <Mono>{j.action}</Mono> },
    { label: 'Last run', render: (j) => <When date={j.executeDate} /> },
    {
      label: 'Result',
      render: (j) => (j.exitCode === undefined || j.exitCode === null ? '—' : j.exitCode === 0 ? 'success' : 'failed'),
    },
  ],
  idOf: (j) => j.id,
  nameOf: (j) => j.name ?? `#${j.id}`,
  get: (c, id) => c.backend().cronjob().get(id),
  fields: () => [
    {
      kind: 'text',
      name: 'name',
      label: 'Name',
      required: true,
      description: nameRule,
      match: /cronjob name|cronjob already exists/i,
    },
    {
      kind: 'text',
      name: 'cron',
      label: 'Schedule',
      required: true,
      monospace: true,
      placeholder: '*/5 * * * *',
      description: 'Five fields (minute hour day month weekday), or six with seconds first; in UTC',
      match: /cron/i,
    },
    { kind: 'select', name: 'action', label: 'Action', options: actionNames, required: true, match: /action/i },
    metadataField,
  ],
  values: (j) => ({
    name: j?.name ?? '',
    cron: j?.cron ?? '',
    action: j?.action ?? null,
    metadata: metadataValue(j?.metadata),
  }),
  body: (v) => ({
    name: textValue(v.name),
    cron: textValue(v.cron),
    action: v.action,
    metadata: metadataBody(v.metadata),
  }),
  create: (c, body) => c.backend().cronjob().create(body),
  update: (c, id, body) => c.backend().cronjob().update(id, body),
  remove: (c, id) => c.backend().cronjob().delete(id),
  Extra: ({ row }) => (
    <Stack gap="xs">
      <Title order={2} size="h3">
        Last run
      </Title>
      <Text>
        {row.executeDate ? (
          <>
            <When date={row.executeDate} /> — {row.exitCode === 0 ? 'succeeded' : `failed (exit code ${row.exitCode})`}
          </>
        ) : (
          'It has not run yet.'
        )}
      </Text>
      {(row.errors ?? []).length > 0 ? (
        <>
          <Title order={3} size="h4">
            Latest errors
          </Title>
          {(row.errors as CronError[]).map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: errors come newest first and have no id
            <Stack key={i} gap={2}>
              <Text size="sm">
                <When date={e.insertDate} />: {e.message}
              </Text>
              {e.trace ? (
                <Code block style={{ maxHeight: 160, overflow: 'auto' }}>
                  {e.trace}
                </Code>
              ) : null}
            </Stack>
          ))}
        </>
      ) : null}
    </Stack>
  ),
});
