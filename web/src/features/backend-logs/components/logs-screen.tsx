import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  Group,
  Loader,
  Pagination,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { errorMessage } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/branding';
import { useBackendGet } from '../../backend-core/backend-api';
import { EntitySelect } from '../../backend-core/entity-select';
import { pageSize, useFilteredCollection } from '../../backend-core/filtered-collection';
import { formatDate, isoToLocalInput, localInputToIso, prettyBody, statusColor } from '../../backend-core/format';

export interface LogEntry {
  id: number;
  ip?: string;
  userAgent?: string;
  method?: string;
  path?: string;
  header?: string;
  body?: string;
  date?: string;
  operationId?: number;
  appId?: number;
  userId?: number;
  responseCode?: number;
  executionTime?: number;
  errors?: { id: number; message?: string; trace?: string; file?: string; line?: number }[];
}

/** The query parameters of /backend/log the screen offers, kept in the address so a chart can link here. */
const filterKeys = [
  'categoryId',
  'operationId',
  'appId',
  'userId',
  'status',
  'from',
  'to',
  'ip',
  'method',
  'path',
] as const;
type Filters = Partial<Record<(typeof filterKeys)[number], string>>;

export const categories = [
  { value: '1', label: 'Your API' },
  { value: '2', label: 'Backend API' },
  { value: '3', label: 'Consumer API' },
  { value: '4', label: 'System API' },
  { value: '5', label: 'Authorization API' },
];

/** A link to the log narrowed by these filters (the dashboard's charts and the console use it). */
export function logLink(filters: Filters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `/logs?${text}` : '/logs';
}

function LogFilters({ filters, apply }: { filters: Filters; apply(next: Filters): void }) {
  const [draft, setDraft] = useState<Filters>(filters);
  useEffect(() => setDraft(filters), [filters]);
  const set = (key: keyof Filters) => (value: string | null | undefined) =>
    setDraft((d) => ({ ...d, [key]: value ?? undefined }));
  function submit(event: FormEvent) {
    event.preventDefault();
    apply(draft);
  }
  return (
    <Paper withBorder p="sm" component="form" onSubmit={submit} aria-label="Filter the log">
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
        <Select
          label="Calls to"
          data={categories}
          value={draft.categoryId ?? '1'}
          onChange={(v) => set('categoryId')(v === '1' ? undefined : v)}
          allowDeselect={false}
        />
        <EntitySelect
          label="Operation"
          entity="operation"
          value={draft.operationId ?? null}
          onChange={set('operationId')}
        />
        <EntitySelect label="App" entity="app" value={draft.appId ?? null} onChange={set('appId')} />
        <EntitySelect label="User" entity="user" value={draft.userId ?? null} onChange={set('userId')} />
        <TextInput
          label="Status"
          description="429, 4xx or 5xx,429"
          value={draft.status ?? ''}
          onChange={(e) => set('status')(e.currentTarget.value)}
        />
        <TextInput
          label="From"
          type="datetime-local"
          description="Your local time"
          value={isoToLocalInput(draft.from)}
          onChange={(e) => set('from')(localInputToIso(e.currentTarget.value))}
        />
        <TextInput
          label="To"
          type="datetime-local"
          description="Your local time"
          value={isoToLocalInput(draft.to)}
          onChange={(e) => set('to')(localInputToIso(e.currentTarget.value))}
        />
        <TextInput
          label="IP address"
          description="The caller's address, exactly"
          value={draft.ip ?? ''}
          onChange={(e) => set('ip')(e.currentTarget.value.trim())}
        />
        <Select
          label="Method"
          placeholder="Any"
          clearable
          data={['GET', 'POST', 'PUT', 'PATCH', 'DELETE']}
          value={draft.method ?? null}
          onChange={set('method')}
        />
        <TextInput
          label="Path contains"
          value={draft.path ?? ''}
          onChange={(e) => set('path')(e.currentTarget.value)}
        />
      </SimpleGrid>
      <Group mt="sm" justify="flex-end">
        <Button variant="default" onClick={() => apply({})}>
          Clear filters
        </Button>
        <Button type="submit">Show</Button>
      </Group>
    </Paper>
  );
}

function LogList() {
  useDocumentTitle('Logs');
  const { filters, page, state, total, apply, goTo } = useFilteredCollection<LogEntry, (typeof filterKeys)[number]>(
    '/backend/log',
    filterKeys,
  );

  return (
    <Stack>
      <Title order={1}>Logs</Title>
      <LogFilters filters={filters} apply={apply} />
      {state.kind === 'loading' ? <Loader aria-label="Loading the log" /> : null}
      {state.kind === 'error' ? (
        <Alert color="red" role="alert" title="The log could not be loaded">
          {state.message}
        </Alert>
      ) : null}
      {state.kind === 'ready' ? (
        <>
          <Text aria-live="polite">
            {total === 0 ? 'No calls match.' : `${total} call${total === 1 ? '' : 's'}, newest first.`}
          </Text>
          {total > 0 ? (
            <Table.ScrollContainer minWidth={700}>
              <Table striped highlightOnHover>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Date</Table.Th>
                    <Table.Th>Method</Table.Th>
                    <Table.Th>Path</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Time</Table.Th>
                    <Table.Th>IP address</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(state.value.entry ?? []).map((entry) => (
                    <Table.Tr key={entry.id}>
                      <Table.Td>
                        <Anchor
                          component={Link}
                          to={`/logs/${entry.id}`}
                          aria-label={`Call ${entry.id} of ${formatDate(entry.date)}`}
                        >
                          {formatDate(entry.date)}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{entry.method}</Table.Td>
                      <Table.Td style={{ wordBreak: 'break-all' }}>{entry.path}</Table.Td>
                      <Table.Td>
                        <Badge color={statusColor(entry.responseCode)} variant="filled">
                          {entry.responseCode ?? '—'}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        {entry.executionTime !== undefined ? `${Math.round(entry.executionTime)} ms` : ''}
                      </Table.Td>
                      <Table.Td>{entry.ip}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          ) : null}
          {total > pageSize ? (
            <Pagination
              total={Math.ceil(total / pageSize)}
              value={page}
              onChange={goTo}
              getControlProps={(control) => ({ 'aria-label': `${control} page` })}
              getItemProps={(n) => ({ 'aria-label': `Page ${n}` })}
            />
          ) : null}
        </>
      ) : null}
    </Stack>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="sm" c="dimmed" component="dt">
        {label}
      </Text>
      <Text component="dd" m={0} style={{ wordBreak: 'break-all' }}>
        {children}
      </Text>
    </div>
  );
}

/** One call: what came in (headers, body), how it was answered, and the error behind a 5xx. */
function LogDetail({ id }: { id: string }) {
  const get = useBackendGet();
  const [state, setState] = useState<
    { kind: 'loading' } | { kind: 'ready'; value: LogEntry } | { kind: 'error'; message: string }
  >({ kind: 'loading' });
  useDocumentTitle(`Call ${id}`);
  useEffect(() => {
    let live = true;
    get<LogEntry>(`/backend/log/${encodeURIComponent(id)}`)
      .then((value) => live && setState({ kind: 'ready', value }))
      .catch((error) => live && setState({ kind: 'error', message: errorMessage(error) }));
    return () => {
      live = false;
    };
  }, [get, id]);

  return (
    <Stack>
      <Anchor component={Link} to="/logs">
        ← All calls
      </Anchor>
      <Title order={1}>Call {id}</Title>
      {state.kind === 'loading' ? <Loader aria-label="Loading the call" /> : null}
      {state.kind === 'error' ? (
        <Alert color="red" role="alert">
          {state.message}
        </Alert>
      ) : null}
      {state.kind === 'ready' ? (
        <>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} component="dl" spacing="sm">
            <Field label="Request">
              {state.value.method} {state.value.path}
            </Field>
            <Field label="Status">
              <Badge color={statusColor(state.value.responseCode)} variant="filled">
                {state.value.responseCode ?? '—'}
              </Badge>
            </Field>
            <Field label="Time">
              {state.value.executionTime !== undefined ? `${state.value.executionTime} ms` : '—'}
            </Field>
            <Field label="Date">{formatDate(state.value.date)}</Field>
            <Field label="IP address">
              <Anchor component={Link} to={logLink({ ip: state.value.ip })}>
                {state.value.ip}
              </Anchor>
            </Field>
            <Field label="User agent">{state.value.userAgent || '—'}</Field>
            <Field label="Operation">
              {state.value.operationId ? (
                <Anchor component={Link} to={logLink({ operationId: String(state.value.operationId) })}>
                  #{state.value.operationId}: its calls
                </Anchor>
              ) : (
                '—'
              )}
            </Field>
            <Field label="Caller">
              {state.value.userId ? (
                <Anchor component={Link} to={logLink({ userId: String(state.value.userId) })}>
                  user #{state.value.userId}
                </Anchor>
              ) : (
                'anonymous'
              )}
              {state.value.appId ? (
                <>
                  {' '}
                  with{' '}
                  <Anchor component={Link} to={logLink({ appId: String(state.value.appId) })}>
                    app #{state.value.appId}
                  </Anchor>
                </>
              ) : null}
            </Field>
          </SimpleGrid>
          <Title order={2}>Request headers</Title>
          <Code block>{state.value.header || '(none)'}</Code>
          <Title order={2}>Request body</Title>
          <Code block>{prettyBody(state.value.body) || '(none)'}</Code>
          <Title order={2}>Errors</Title>
          {(state.value.errors ?? []).length === 0 ? (
            <Text>No error was recorded for this call.</Text>
          ) : (
            (state.value.errors ?? []).map((error) => (
              <Alert key={error.id} color="red" title={error.message} role="note">
                <Code block>{error.trace || `${error.file ?? ''}:${error.line ?? ''}`}</Code>
              </Alert>
            ))
          )}
        </>
      ) : null}
    </Stack>
  );
}

/** The request log: filters and pages on the server, one call's detail at /logs/:logId. */
export function LogsScreen() {
  const { logId } = useParams();
  return logId ? <LogDetail id={logId} /> : <LogList />;
}
