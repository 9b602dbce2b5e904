import {
  Alert,
  Anchor,
  Button,
  Code,
  Group,
  Loader,
  Pagination,
  Paper,
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
import { formatDate, isoToLocalInput, localInputToIso } from '../../backend-core/format';

interface AuditEntry {
  id: number;
  event?: string;
  ip?: string;
  message?: string;
  date?: string;
  appId?: number;
  userId?: number;
  refId?: number;
  user?: { id?: number; name?: string };
  app?: { id?: number; name?: string };
  content?: Record<string, unknown>;
}

const filterKeys = ['userId', 'appId', 'event', 'ip', 'message', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof filterKeys)[number], string>>;
function AuditFilters({ filters, apply }: { filters: Filters; apply(next: Filters): void }) {
  const [draft, setDraft] = useState<Filters>(filters);
  useEffect(() => setDraft(filters), [filters]);
  const set = (key: keyof Filters) => (value: string | null | undefined) =>
    setDraft((d) => ({ ...d, [key]: value ?? undefined }));
  function submit(event: FormEvent) {
    event.preventDefault();
    apply(draft);
  }
  return (
    <Paper withBorder p="sm" component="form" onSubmit={submit} aria-label="Filter the audit trail">
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
        <EntitySelect label="Who (user)" entity="user" value={draft.userId ?? null} onChange={set('userId')} />
        <EntitySelect label="With app" entity="app" value={draft.appId ?? null} onChange={set('appId')} />
        <TextInput
          label="Change"
          description="e.g. backend.operation.update"
          value={draft.event ?? ''}
          onChange={(e) => set('event')(e.currentTarget.value)}
        />
        <TextInput
          label="IP address"
          value={draft.ip ?? ''}
          onChange={(e) => set('ip')(e.currentTarget.value.trim())}
        />
        <TextInput
          label="Message contains"
          value={draft.message ?? ''}
          onChange={(e) => set('message')(e.currentTarget.value)}
        />
        <TextInput
          label="From"
          type="datetime-local"
          value={isoToLocalInput(draft.from)}
          onChange={(e) => set('from')(localInputToIso(e.currentTarget.value))}
        />
        <TextInput
          label="To"
          type="datetime-local"
          value={isoToLocalInput(draft.to)}
          onChange={(e) => set('to')(localInputToIso(e.currentTarget.value))}
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

function AuditList() {
  useDocumentTitle('Audit trail');
  const { filters, page, state, total, apply, goTo } = useFilteredCollection<AuditEntry, (typeof filterKeys)[number]>(
    '/backend/audit',
    filterKeys,
  );

  return (
    <Stack>
      <Title order={1}>Audit trail</Title>
      <Text size="sm" c="dimmed">
        Every change made through the backend API: who made it, from where, and what was sent.
      </Text>
      <AuditFilters filters={filters} apply={apply} />
      {state.kind === 'loading' ? <Loader aria-label="Loading the audit trail" /> : null}
      {state.kind === 'error' ? (
        <Alert color="red" role="alert" title="The audit trail could not be loaded">
          {state.message}
        </Alert>
      ) : null}
      {state.kind === 'ready' ? (
        <>
          <Text aria-live="polite">
            {total === 0 ? 'No changes match.' : `${total} change${total === 1 ? '' : 's'}, newest first.`}
          </Text>
          {total > 0 ? (
            <Table.ScrollContainer minWidth={700}>
              <Table striped highlightOnHover>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Date</Table.Th>
                    <Table.Th>Change</Table.Th>
                    <Table.Th>Target</Table.Th>
                    <Table.Th>Message</Table.Th>
                    <Table.Th>IP address</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(state.value.entry ?? []).map((entry) => (
                    <Table.Tr key={entry.id}>
                      <Table.Td>
                        <Anchor
                          component={Link}
                          to={`/audit/${entry.id}`}
                          aria-label={`Change ${entry.id} of ${formatDate(entry.date)}`}
                        >
                          {formatDate(entry.date)}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{entry.event}</Table.Td>
                      <Table.Td>{entry.refId ?? '—'}</Table.Td>
                      <Table.Td>{entry.message}</Table.Td>
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

/** One change: who, from where, when, and the body that was sent (credentials masked by the server). */
function AuditDetail({ id }: { id: string }) {
  useDocumentTitle(`Change ${id}`);
  const get = useBackendGet();
  const [state, setState] = useState<
    { kind: 'loading' } | { kind: 'ready'; value: AuditEntry } | { kind: 'error'; message: string }
  >({ kind: 'loading' });
  useEffect(() => {
    let live = true;
    get<AuditEntry>(`/backend/audit/${encodeURIComponent(id)}`)
      .then((value) => live && setState({ kind: 'ready', value }))
      .catch((error) => live && setState({ kind: 'error', message: errorMessage(error) }));
    return () => {
      live = false;
    };
  }, [get, id]);
  return (
    <Stack>
      <Anchor component={Link} to="/audit">
        ← All changes
      </Anchor>
      <Title order={1}>Change {id}</Title>
      {state.kind === 'loading' ? <Loader aria-label="Loading the change" /> : null}
      {state.kind === 'error' ? (
        <Alert color="red" role="alert">
          {state.message}
        </Alert>
      ) : null}
      {state.kind === 'ready' ? (
        <>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} component="dl" spacing="sm">
            <Field label="Change">{state.value.event}</Field>
            <Field label="Target id">{state.value.refId ?? '—'}</Field>
            <Field label="Date">{formatDate(state.value.date)}</Field>
            <Field label="Who">
              {state.value.user ? (
                <Anchor component={Link} to={`/audit?userId=${state.value.user.id}`}>
                  {state.value.user.name}
                </Anchor>
              ) : (
                'unknown'
              )}
              {state.value.app ? ` with the app ${state.value.app.name}` : ''}
            </Field>
            <Field label="IP address">{state.value.ip}</Field>
            <Field label="Message">{state.value.message}</Field>
          </SimpleGrid>
          <Title order={2}>What was sent</Title>
          <Text size="sm" c="dimmed">
            The request body of the change; secrets and passwords are masked.
          </Text>
          <Code block>{state.value.content ? JSON.stringify(state.value.content, null, 2) : '(no body)'}</Code>
        </>
      ) : null}
    </Stack>
  );
}

/** The audit trail: who changed what, with filters; one change at /audit/:auditId. */
export function AuditScreen() {
  const { auditId } = useParams();
  return auditId ? <AuditDetail id={auditId} /> : <AuditList />;
}
