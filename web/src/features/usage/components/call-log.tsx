import { Alert, Badge, Button, Code, Group, Loader, Modal, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { ConsumerLog } from 'fusio-sdk';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../../lib/api-client';
import { useSession } from '../../../lib/session';

const pageSize = 20;

/** One call in full: request line, headers and body as Portico logged them. */
function CallDetail({ id, onClose }: { id: number; onClose(): void }) {
  const { call } = useSession();
  const [log, setLog] = useState<ConsumerLog | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    call((client) => client.consumer().log().get(String(id)))
      .then(setLog)
      .catch((error) => setProblem(errorMessage(error)));
  }, [call, id]);
  return (
    <Modal opened onClose={onClose} title={`Call #${id}`} size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      {problem ? <Alert color="red">{problem}</Alert> : null}
      {!log && !problem ? <Loader aria-label="Loading the call" /> : null}
      {log ? (
        <Stack gap="xs">
          <Text ff="monospace">
            {log.method} {log.path}
          </Text>
          <Text size="sm">
            {log.date ? new Date(log.date).toLocaleString() : ''} · {log.ip} · {log.userAgent}
          </Text>
          <Title order={3} size="h5">
            Headers
          </Title>
          <Code block tabIndex={0}>
            {log.header || '(none)'}
          </Code>
          <Title order={3} size="h5">
            Body
          </Title>
          <Code block tabIndex={0}>
            {log.body || '(empty)'}
          </Code>
        </Stack>
      ) : null}
    </Modal>
  );
}

/** The developer's calls of the last 30 days, newest first, filtered by path. */
export function CallLog({ appNames }: { appNames: ReadonlyMap<number, string> }) {
  const { call } = useSession();
  const [search, setSearch] = useState('');
  const [query] = useDebouncedValue(search, 300);
  const [entries, setEntries] = useState<ConsumerLog[]>([]);
  const [total, setTotal] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<number | null>(null);

  const load = async (start: number) => {
    setBusy(true);
    try {
      const page = await call((client) =>
        client
          .consumer()
          .log()
          .getAll(start, pageSize, query || undefined),
      );
      setEntries((prev) => (start === 0 ? (page.entry ?? []) : [...prev, ...(page.entry ?? [])]));
      setTotal(page.totalResults ?? 0);
      setProblem(null);
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter starts the list again
  useEffect(() => {
    void load(0);
  }, [query]);

  return (
    <Stack>
      <Title order={2}>Call log</Title>
      <TextInput
        label="Filter by path"
        type="search"
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        maw={360}
      />
      {problem ? (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      ) : null}
      {entries.length === 0 && !busy ? <Text>No calls in the last 30 days.</Text> : null}
      {entries.length > 0 ? (
        <Table.ScrollContainer minWidth={560}>
          <Table striped aria-label="Call log">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Call</Table.Th>
                <Table.Th>App</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.map((log) => (
                <Table.Tr key={log.id}>
                  <Table.Td>{log.date ? new Date(log.date).toLocaleString() : ''}</Table.Td>
                  <Table.Td>
                    <Button variant="subtle" size="compact-sm" onClick={() => setOpen(log.id ?? null)} ff="monospace">
                      {log.method} {log.path}
                    </Button>
                  </Table.Td>
                  <Table.Td>
                    {log.appId ? (
                      <Badge variant="light" tt="none">
                        {appNames.get(log.appId) ?? `app #${log.appId}`}
                      </Badge>
                    ) : (
                      'you'
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      <Group>
        {entries.length < total ? (
          <Button variant="default" loading={busy} onClick={() => void load(entries.length)}>
            Show more ({total - entries.length} left)
          </Button>
        ) : null}
      </Group>
      {open !== null ? <CallDetail id={open} onClose={() => setOpen(null)} /> : null}
    </Stack>
  );
}
