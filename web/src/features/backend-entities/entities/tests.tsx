import { Alert, Badge, Button, Code, Stack, Text, Title } from '@mantine/core';
import type { BackendTest } from 'fusio-sdk';
import { useState } from 'react';
import { useSession } from '../../../lib/session';
import { textValue } from '../lib/sources';
import { defineEntity } from './common';

const statuses: Record<number, { label: string; color: string }> = {
  1: { label: 'pending', color: 'gray.8' },
  2: { label: 'success', color: 'teal.9' },
  3: { label: 'warning', color: 'orange.9' },
  4: { label: 'error', color: 'red.9' },
  5: { label: 'skipped', color: 'gray.8' },
  6: { label: 'disabled', color: 'dark' },
};

export function TestStatus({ status }: { status: number | undefined }) {
  const known = statuses[status ?? 0] ?? { label: String(status ?? '?'), color: 'gray.8' };
  return (
    // filled in a dark shade: white text stays readable (WCAG AA), as the other status badges
    <Badge variant="filled" color={known.color}>
      {known.label}
    </Badge>
  );
}

/** Refresh (a test for every new operation) and Run all, above the list. */
function RunButtons({ reload }: { reload(): void }) {
  const { call } = useSession();
  const [busy, setBusy] = useState<'refresh' | 'run' | null>(null);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const act = async (what: 'refresh' | 'run') => {
    setBusy(what);
    setSaid(null);
    try {
      const answer = await call((c) => (what === 'run' ? c.backend().test().run() : c.backend().test().refresh()));
      setSaid({ ok: true, text: answer.message ?? 'Done' });
      reload();
    } catch (error) {
      setSaid({ ok: false, text: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      {said ? (
        <Alert color={said.ok ? 'green' : 'red'} role={said.ok ? 'status' : 'alert'} py={4}>
          {said.text}
        </Alert>
      ) : null}
      <Button variant="default" loading={busy === 'refresh'} disabled={busy !== null} onClick={() => act('refresh')}>
        Refresh tests
      </Button>
      <Button loading={busy === 'run'} disabled={busy !== null} onClick={() => act('run')}>
        Run all
      </Button>
    </>
  );
}

function LastResponse({ row }: { row: BackendTest }) {
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Last run
      </Title>
      <Text>
        <TestStatus status={row.status} /> {row.message || (row.status === 1 ? 'Not run yet.' : '')}
      </Text>
      {row.response ? (
        <Code block aria-label="Last response">
          {row.response}
        </Code>
      ) : null}
    </Stack>
  );
}

function bodyText(body: unknown): string {
  return body === undefined || body === null ? '' : JSON.stringify(body, null, 2);
}

export const tests = defineEntity<BackendTest>({
  path: 'tests',
  api: 'test',
  what: 'test',
  plural: 'Tests',
  group: 'API',
  intro:
    'A stored request per operation. Run all sends them through the gateway with a short-lived token holding only the scopes you hold, and checks the status code and the outgoing schema. The requests are real: run them against a staging installation, or disable the tests of operations that write.',
  list: (c, p) => c.backend().test().getAll(p.startIndex, p.count, p.search),
  searchLabel: 'Search tests by operation',
  columns: [
    { label: 'Operation', render: (r) => r.operationName },
    { label: 'Status', render: (r) => <TestStatus status={r.status} /> },
    { label: 'Message', render: (r) => r.message?.split('\n')[0] ?? '' },
  ],
  idOf: (r) => r.id,
  nameOf: (r) => r.operationName ?? `#${r.id}`,
  get: (c, id) => c.backend().test().get(id),
  ListActions: RunButtons,
  Extra: LastResponse,
  fields: () => [
    {
      kind: 'select',
      name: 'status',
      label: 'Run it',
      options: [
        { value: '1', label: 'Yes' },
        { value: '6', label: 'No (disabled)' },
      ],
      match: /test status/i,
    },
    {
      kind: 'text',
      name: 'uriFragments',
      label: 'Path parameters',
      description: 'As a query string: id=7&slug=intro',
      monospace: true,
      match: /uriFragments|missing parameter/i,
    },
    {
      kind: 'text',
      name: 'parameters',
      label: 'Query string',
      description: 'page=2&verbose=1',
      monospace: true,
      match: /test parameters/i,
    },
    {
      kind: 'text',
      name: 'headers',
      label: 'Headers',
      description: 'As a query string: Accept=application/json (the token is the runner’s)',
      monospace: true,
      match: /test headers/i,
    },
    { kind: 'textarea', name: 'body', label: 'Body (JSON)', rows: 6, monospace: true, match: /body/i },
  ],
  values: (r) => ({
    status: r?.status === 6 ? '6' : '1',
    uriFragments: r?.config?.uriFragments ?? '',
    parameters: r?.config?.parameters ?? '',
    headers: r?.config?.headers ?? '',
    body: bodyText(r?.config?.body),
  }),
  body: (v, _mode, row) => {
    const text = textValue(v.body);
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error('Body must be JSON');
      }
    }
    const status = Number(v.status);
    return {
      // a run's result stays unless the choice changed
      status: status === 6 || row?.status === 6 ? status : row?.status,
      config: {
        uriFragments: textValue(v.uriFragments) ?? null,
        parameters: textValue(v.parameters) ?? null,
        headers: textValue(v.headers) ?? null,
        body,
      },
    };
  },
  update: (c, id, body) => c.backend().test().update(id, body),
});
