import { Alert, Button, Stack, Tabs, Text, Title } from '@mantine/core';
import type { BackendTrashData } from 'fusio-sdk';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { QueryView } from '../../../components/ui/query-view';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';
import { EntityList } from './entity-list';

/** The trash (Fusio's BackendTrash): deleted configuration by type, each restorable. */
export function TrashScreen() {
  useDocumentTitle('Trash');
  const { call } = useSession();
  const types = useApiQuery((client) => client.backend().trash().getTypes(), []);
  const [params, setParams] = useSearchParams();
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const [generation, setGeneration] = useState(0);
  const [busy, setBusy] = useState<number | null>(null);

  const restore = async (type: string, row: BackendTrashData) => {
    setBusy(row.id ?? null);
    setSaid(null);
    try {
      const answer = await call((c) => c.backend().trash().restore(type, { id: row.id }));
      setSaid({ ok: true, text: `${answer.message ?? 'Restored'}: ${type} “${row.name}”` });
      setGeneration((g) => g + 1);
    } catch (error) {
      setSaid({ ok: false, text: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <Stack>
      <Title order={1}>Trash</Title>
      <Text>
        Deleted configuration is kept here for 90 days. Restoring one creates it again under a new id, with the same
        checks as a new one; a name taken since must be freed first.
      </Text>
      {said ? (
        <Alert color={said.ok ? 'green' : 'red'} role={said.ok ? 'status' : 'alert'}>
          {said.text}
        </Alert>
      ) : null}
      <QueryView query={types}>
        {(value) => {
          const list = value.types ?? [];
          const current = params.get('type') ?? list[0] ?? '';
          return (
            <Tabs
              value={current}
              onChange={(type) => {
                setSaid(null);
                setParams(type ? { type } : {});
              }}
            >
              <Tabs.List>
                {list.map((type) => (
                  <Tabs.Tab key={type} value={type}>
                    {type}
                  </Tabs.Tab>
                ))}
              </Tabs.List>
              <Tabs.Panel value={current} pt="md">
                <EntityList<BackendTrashData>
                  key={current}
                  reloadKey={generation}
                  load={(client, page) =>
                    client.backend().trash().getAllByType(current, page.startIndex, page.count, page.search)
                  }
                  columns={[
                    { label: 'Name', render: (r) => r.name },
                    { label: 'Id it had', render: (r) => r.id, nowrap: true },
                    {
                      label: 'Restore',
                      nowrap: true,
                      render: (r) => (
                        <Button
                          size="xs"
                          variant="light"
                          loading={busy === r.id}
                          aria-label={`Restore ${current} ${r.name}`}
                          onClick={() => restore(current, r)}
                        >
                          Restore
                        </Button>
                      ),
                    },
                  ]}
                  rowName={(r) => r.name}
                  searchLabel={`Search deleted ${current}s`}
                  empty={`No deleted ${current}s.`}
                />
              </Tabs.Panel>
            </Tabs>
          );
        }}
      </QueryView>
    </Stack>
  );
}
