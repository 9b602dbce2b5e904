import { Anchor, Button, Group, Pagination, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { Client } from 'fusio-sdk';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import { QueryView } from '../../../components/ui/query-view';
import { useDocumentTitle } from '../../../lib/branding';
import { useApiQuery } from '../../../lib/use-api';

export interface Column<T> {
  label: string;
  cell(item: T): ReactNode;
}

export interface Page<T> {
  totalResults?: number;
  entry?: T[];
}

const pageSize = 25;

/**
 * A list of one kind of entity, paged and searched by the server (lists of 10,000 stay fast): the first
 * column links to the entity, a button creates one.
 */
export function EntityList<T extends { id?: number }>({
  title,
  intro,
  noun,
  load,
  columns,
  linkOf,
  createTo,
  createLabel,
}: {
  title: string;
  intro?: ReactNode;
  /** singular, lower case: "action" */
  noun: string;
  load(client: Client, startIndex: number, count: number, search: string | undefined): Promise<Page<T>>;
  columns: [Column<T>, ...Column<T>[]];
  linkOf(item: T): string;
  createTo?: string;
  createLabel?: string;
}) {
  useDocumentTitle(title);
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const [page, setPage] = useState(1);
  const list = useApiQuery(
    (client) => load(client, (page - 1) * pageSize, pageSize, debounced === '' ? undefined : debounced),
    [page, debounced],
  );
  const [first, ...rest] = columns;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{title}</Title>
        {createTo ? (
          <Button component={Link} to={createTo}>
            {createLabel ?? `Create ${noun}`}
          </Button>
        ) : null}
      </Group>
      {intro ? <Text>{intro}</Text> : null}
      <TextInput
        label={`Search ${title.toLowerCase()}`}
        type="search"
        value={search}
        onChange={(e) => {
          setSearch(e.currentTarget.value);
          setPage(1);
        }}
        maw={360}
      />
      <QueryView query={list}>
        {(result) => {
          const entries = result.entry ?? [];
          const total = result.totalResults ?? entries.length;
          if (entries.length === 0) {
            return <Text>{debounced ? `No ${noun} matches “${debounced}”.` : `There is no ${noun} yet.`}</Text>;
          }
          return (
            <Stack gap="xs">
              <Table.ScrollContainer minWidth={480}>
                <Table striped highlightOnHover>
                  <Table.Thead>
                    <Table.Tr>
                      {columns.map((c) => (
                        <Table.Th key={c.label}>{c.label}</Table.Th>
                      ))}
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {entries.map((item, index) => (
                      <Table.Tr key={item.id ?? index}>
                        <Table.Td>
                          <Anchor component={Link} to={linkOf(item)}>
                            {first.cell(item)}
                          </Anchor>
                        </Table.Td>
                        {rest.map((c) => (
                          <Table.Td key={c.label}>{c.cell(item)}</Table.Td>
                        ))}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <Group justify="space-between">
                <Text size="sm" c="dimmed">
                  {total} {total === 1 ? noun : `${noun}s`}
                </Text>
                {total > pageSize ? (
                  <Pagination
                    total={Math.ceil(total / pageSize)}
                    value={page}
                    onChange={setPage}
                    getControlProps={(control) => ({ 'aria-label': `${control} page` })}
                    getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
                  />
                ) : null}
              </Group>
            </Stack>
          );
        }}
      </QueryView>
    </Stack>
  );
}
