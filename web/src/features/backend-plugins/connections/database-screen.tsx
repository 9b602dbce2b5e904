import { Badge, Grid, NavLink, Pagination, Stack, Table, Text, Title } from '@mantine/core';
import type { BackendDatabaseRow, BackendDatabaseTable } from 'fusio-sdk';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { QueryView } from '../../../components/ui/query-view';
import { useDocumentTitle } from '../../../lib/branding';
import { useApiQuery } from '../../../lib/use-api';
import { ScreenHeading } from '../components/screen-parts';

const tablePage = 100;
const rowPage = 25;

/** The tables of a SQL connection, a table's columns and keys, and its rows page by page. */
export default function DatabaseScreen() {
  const { id = '', table } = useParams();
  useDocumentTitle(table ? `Table ${table}` : 'Database');
  const [page, setPage] = useState(1);
  const data = useApiQuery(
    async (client) => {
      const [connection, tables] = await Promise.all([
        client.backend().connection().get(id),
        client
          .backend()
          .connection()
          .database()
          .getTables(id, (page - 1) * tablePage, tablePage),
      ]);
      return { connection, tables };
    },
    [id, page],
  );
  return (
    <Stack>
      <QueryView query={data}>
        {({ connection, tables }) => {
          const total = tables.totalResults ?? 0;
          return (
            <>
              <ScreenHeading
                title={`Database of ${connection.name}`}
                back={`/connections/${id}`}
                backLabel={`Connection ${connection.name}`}
              />
              <Grid>
                <Grid.Col span={{ base: 12, md: 3 }}>
                  <nav aria-label="Tables">
                    <Title order={2} size="h4" mb="xs">
                      Tables ({total})
                    </Title>
                    {(tables.entry ?? []).length === 0 ? <Text size="sm">This database has no tables.</Text> : null}
                    {(tables.entry ?? []).map((t) => (
                      <NavLink
                        key={t.name}
                        component={Link}
                        to={`/connections/${id}/database/${encodeURIComponent(t.name ?? '')}`}
                        label={t.name}
                        active={t.name === table}
                        aria-current={t.name === table ? 'page' : undefined}
                      />
                    ))}
                    {total > tablePage ? (
                      <Pagination
                        size="sm"
                        mt="xs"
                        total={Math.ceil(total / tablePage)}
                        value={page}
                        onChange={setPage}
                        getControlProps={(control) => ({ 'aria-label': `${control} tables` })}
                        getItemProps={(p) => ({ 'aria-label': `Tables page ${p}` })}
                      />
                    ) : null}
                  </nav>
                </Grid.Col>
                <Grid.Col span={{ base: 12, md: 9 }}>
                  {table ? (
                    <TableView connectionId={id} table={table} />
                  ) : (
                    <Text>Choose a table to see its columns and rows.</Text>
                  )}
                </Grid.Col>
              </Grid>
            </>
          );
        }}
      </QueryView>
    </Stack>
  );
}

function TableView({ connectionId, table }: { connectionId: string; table: string }) {
  const schema = useApiQuery(
    (client) => client.backend().connection().database().getTable(connectionId, table),
    [connectionId, table],
  );
  return (
    <Stack>
      <QueryView query={schema}>
        {(t) => (
          <>
            <Title order={2}>Table {t.name}</Title>
            <Columns table={t} />
            <Rows connectionId={connectionId} table={t} />
          </>
        )}
      </QueryView>
    </Stack>
  );
}

function Columns({ table }: { table: BackendDatabaseTable }) {
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        Columns
      </Title>
      <Table.ScrollContainer minWidth={480}>
        <Table striped aria-label={`Columns of ${table.name}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Null</Table.Th>
              <Table.Th>Default</Table.Th>
              <Table.Th>Comment</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(table.columns ?? []).map((c) => (
              <Table.Tr key={c.name}>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {c.name}{' '}
                    {c.name === table.primaryKey ? (
                      <Badge size="xs" variant="light">
                        key
                      </Badge>
                    ) : null}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {c.type}
                  {c.length ? `(${c.length})` : ''}
                  {c.autoIncrement ? ', auto increment' : ''}
                </Table.Td>
                <Table.Td>{c.notNull ? 'no' : 'yes'}</Table.Td>
                <Table.Td>{c.default === undefined || c.default === null ? '' : String(c.default)}</Table.Td>
                <Table.Td>{c.comment}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {(table.foreignKeys ?? []).length > 0 ? (
        <Text size="sm">
          References:{' '}
          {(table.foreignKeys ?? [])
            .map((fk) => `${(fk.localColumnNames ?? []).join(', ')} → ${fk.foreignTable}`)
            .join('; ')}
        </Text>
      ) : null}
    </Stack>
  );
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return '∅';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function Rows({ connectionId, table }: { connectionId: string; table: BackendDatabaseTable }) {
  const [page, setPage] = useState(1);
  const name = table.name ?? '';
  const rows = useApiQuery(
    (client) =>
      client
        .backend()
        .connection()
        .database()
        .getRows(connectionId, name, (page - 1) * rowPage, rowPage),
    [connectionId, name, page],
  );
  const columns = (table.columns ?? []).map((c) => c.name ?? '');
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        Rows
      </Title>
      <QueryView query={rows}>
        {(result) => {
          const entries: BackendDatabaseRow[] = result.entry ?? [];
          const total = result.totalResults ?? entries.length;
          if (entries.length === 0) return <Text size="sm">The table is empty.</Text>;
          return (
            <>
              <Table.ScrollContainer minWidth={Math.min(1200, columns.length * 120)}>
                <Table striped aria-label={`Rows of ${name}`}>
                  <Table.Thead>
                    <Table.Tr>
                      {columns.map((c) => (
                        <Table.Th key={c}>{c}</Table.Th>
                      ))}
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {entries.map((row, index) => (
                      <Table.Tr key={shown(table.primaryKey ? row[table.primaryKey] : index)}>
                        {columns.map((c) => (
                          <Table.Td key={c}>
                            <Text size="sm" lineClamp={2}>
                              {shown(row[c])}
                            </Text>
                          </Table.Td>
                        ))}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <Text size="sm" c="dimmed">
                {total} {total === 1 ? 'row' : 'rows'}
              </Text>
              {total > rowPage ? (
                <Pagination
                  size="sm"
                  total={Math.ceil(total / rowPage)}
                  value={page}
                  onChange={setPage}
                  getControlProps={(control) => ({ 'aria-label': `${control} rows` })}
                  getItemProps={(p) => ({ 'aria-label': `Rows page ${p}` })}
                />
              ) : null}
            </>
          );
        }}
      </QueryView>
    </Stack>
  );
}
