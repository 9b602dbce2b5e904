import {
  Alert,
  Anchor,
  Button,
  Group,
  Loader,
  NativeSelect,
  Pagination,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { Client } from 'fusio-sdk';
import { type ReactNode, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { errorMessage } from '../../../lib/api-client';
import { useSession } from '../../../lib/session';

/** Fusio's collection parameters; the API pages and searches, the list never loads everything. */
export interface PageRequest {
  startIndex: number;
  count: number;
  search: string | undefined;
  /** Fusio's `sortBy`/`sortOrder`; absent: the API's own order (newest first for most) */
  sortBy?: 'id' | 'name';
  sortOrder?: 'asc' | 'desc';
}

/** The orders a list offers, as `?sort=` keeps them. */
const sortChoices = [
  { value: '', label: 'Default order' },
  { value: 'id-desc', label: 'Newest first' },
  { value: 'id-asc', label: 'Oldest first' },
  { value: 'name-asc', label: 'Name, A to Z' },
  { value: 'name-desc', label: 'Name, Z to A' },
] as const;

function sortOf(value: string | null): Pick<PageRequest, 'sortBy' | 'sortOrder'> {
  const [by, order] = (value ?? '').split('-');
  if ((by === 'id' || by === 'name') && (order === 'asc' || order === 'desc')) return { sortBy: by, sortOrder: order };
  return {};
}

/** Fusio's collection answer, as fusio-sdk types it. */
export interface Page<T> {
  totalResults?: number;
  startIndex?: number;
  itemsPerPage?: number;
  entry?: T[];
}

export interface Column<T> {
  readonly label: string;
  readonly render: (row: T) => ReactNode;
  /** narrow columns stay on one line */
  readonly nowrap?: boolean;
}

export const pageSize = 25;

/**
 * A page of an entity's collection with search and paging, both kept in the URL (`?search=&page=`) so a
 * reload or the back button shows the same page. The first column links to the row.
 */
export function EntityList<T>({
  load,
  columns,
  linkTo,
  rowName,
  searchLabel,
  empty,
  reloadKey,
  sortable = false,
}: {
  load(client: Client, page: PageRequest): Promise<Page<T>>;
  columns: readonly Column<T>[];
  /** where a row's first cell links to */
  linkTo?: (row: T) => string;
  rowName: (row: T) => ReactNode;
  searchLabel: string;
  empty: ReactNode;
  /** changes when the list must be loaded again */
  reloadKey?: unknown;
  /** offers an order (by name or age), passed to `load` as `sortBy`/`sortOrder` */
  sortable?: boolean;
}) {
  const { call } = useSession();
  const [params, setParams] = useSearchParams();
  const search = params.get('search') ?? '';
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const sort = sortable ? (params.get('sort') ?? '') : '';
  const [typed, setTyped] = useState(search);
  const [debounced] = useDebouncedValue(typed, 300);
  const [state, setState] = useState<
    { state: 'loading'; last?: Page<T> } | { state: 'ready'; value: Page<T> } | { state: 'error'; message: string }
  >({ state: 'loading' });
  const [round, setRound] = useState(0);

  // typing searches from the first page (the URL follows after a pause)
  useEffect(() => {
    if (debounced === search) return;
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (debounced) next.set('search', debounced);
        else next.delete('search');
        next.delete('page');
        return next;
      },
      { replace: true },
    );
  }, [debounced, search, setParams]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: load is given anew each render; the page, search and reloads decide
  useEffect(() => {
    let live = true;
    setState((s) => ({
      state: 'loading',
      last: s.state === 'ready' ? s.value : s.state === 'loading' ? s.last : undefined,
    }));
    call((client) =>
      load(client, {
        startIndex: (page - 1) * pageSize,
        count: pageSize,
        search: search || undefined,
        ...sortOf(sort),
      }),
    )
      .then((value) => live && setState({ state: 'ready', value }))
      .catch((error) => live && setState({ state: 'error', message: errorMessage(error) }));
    return () => {
      live = false;
    };
  }, [call, page, search, sort, round, reloadKey]);

  const shown = state.state === 'ready' ? state.value : state.state === 'loading' ? state.last : undefined;
  const total = shown?.totalResults ?? 0;
  const rows = shown?.entry ?? [];
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const from = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const to = Math.min(total, (page - 1) * pageSize + rows.length);

  return (
    <Stack gap="sm">
      <Group align="flex-end" justify="space-between">
        <TextInput
          label={searchLabel}
          type="search"
          value={typed}
          onChange={(e) => setTyped(e.currentTarget.value)}
          style={{ flex: '1 1 240px', maxWidth: 420 }}
        />
        {sortable ? (
          <NativeSelect
            label="Order"
            data={sortChoices.map((c) => ({ value: c.value, label: c.label }))}
            value={sortChoices.some((c) => c.value === sort) ? sort : ''}
            onChange={(e) => {
              const value = e.currentTarget.value;
              setParams((p) => {
                const next = new URLSearchParams(p);
                if (value) next.set('sort', value);
                else next.delete('sort');
                next.delete('page');
                return next;
              });
            }}
            style={{ flex: '0 0 180px' }}
          />
        ) : null}
        <Group gap="xs" aria-live="polite">
          {state.state === 'loading' ? <Loader size="xs" aria-label="Loading" /> : null}
          {shown ? (
            <Text size="sm" c="dimmed">
              {total === 0 ? 'None' : `${from}–${to} of ${total.toLocaleString()}`}
            </Text>
          ) : null}
        </Group>
      </Group>
      {state.state === 'error' ? (
        <Alert color="red" role="alert" title="This could not be loaded">
          {state.message}{' '}
          <Button variant="subtle" size="compact-sm" onClick={() => setRound((r) => r + 1)}>
            Try again
          </Button>
        </Alert>
      ) : null}
      {shown && rows.length === 0 ? <Text>{search ? `Nothing matches “${search}”.` : empty}</Text> : null}
      {rows.length > 0 ? (
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
              {rows.map((row, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a page's rows keep their order
                <Table.Tr key={index}>
                  {columns.map((c, i) => (
                    <Table.Td key={c.label} style={c.nowrap ? { whiteSpace: 'nowrap' } : undefined}>
                      {i === 0 && linkTo ? (
                        <Anchor component={Link} to={linkTo(row)}>
                          {c.render(row) ?? rowName(row)}
                        </Anchor>
                      ) : (
                        c.render(row)
                      )}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {pages > 1 ? (
        <Pagination
          total={pages}
          value={Math.min(page, pages)}
          onChange={(next) =>
            setParams((p) => {
              const out = new URLSearchParams(p);
              out.set('page', String(next));
              return out;
            })
          }
          getItemProps={(n) => ({ 'aria-label': `Page ${n}` })}
          getControlProps={(control) => ({
            'aria-label':
              control === 'next'
                ? 'Next page'
                : control === 'previous'
                  ? 'Previous page'
                  : control === 'first'
                    ? 'First page'
                    : 'Last page',
          })}
          siblings={1}
        />
      ) : null}
    </Stack>
  );
}
