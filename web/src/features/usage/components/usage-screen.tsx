import { BarChart, LineChart } from '@mantine/charts';
import '@mantine/charts/styles.css';
import { Alert, Group, Loader, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { errorMessage } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';
import { fetchUsage, type Usage } from '../api/usage';
import { CallLog } from './call-log';

const day = 86_400_000;
const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);
const statusColors: Record<string, string> = { '2xx': 'teal.6', '3xx': 'blue.6', '4xx': 'orange.6', '5xx': 'red.7' };
const lineColors = [
  'blue.6',
  'teal.6',
  'grape.6',
  'orange.6',
  'cyan.6',
  'pink.6',
  'lime.7',
  'indigo.6',
  'yellow.7',
  'red.6',
  'gray.6',
];

/** Calls per day by status and by operation over a chosen range, and the call log below. */
export default function UsageScreen() {
  useDocumentTitle('Usage');
  const { callWithToken } = useSession();
  const [from, setFrom] = useState(isoDay(Date.now() - 29 * day));
  const [to, setTo] = useState(isoDay(Date.now()));
  const [appId, setAppId] = useState<string | null>(null);
  const [usage, setUsage] = useState<Usage | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const apps = useApiQuery((client) => client.consumer().app().getAll(0, 1024), []);

  useEffect(() => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to)) return;
    let live = true;
    setProblem(null);
    callWithToken((token) => fetchUsage(token, { from, to, appId: appId ?? undefined }))
      .then((value) => live && setUsage(value))
      .catch((error) => live && setProblem(errorMessage(error)));
    return () => {
      live = false;
    };
  }, [callWithToken, from, to, appId]);

  const byStatus = useMemo(
    () =>
      usage?.days.map((date, i) => ({
        date,
        ...Object.fromEntries(usage.byStatus.map((s) => [s.name, s.counts[i] ?? 0])),
      })) ?? [],
    [usage],
  );
  const byOperation = useMemo(
    () =>
      usage?.days.map((date, i) => ({
        date,
        // series keys without dots: the chart would read "todo.getAll" as a nested path
        ...Object.fromEntries(usage.byOperation.map((o, n) => [`op${n}`, o.counts[i] ?? 0])),
      })) ?? [],
    [usage],
  );

  return (
    <Stack>
      <Title order={1}>Usage</Title>
      <Group align="flex-end">
        <TextInput label="From" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput label="To" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <Select
          label="App"
          placeholder="All calls"
          clearable
          value={appId}
          onChange={setAppId}
          data={
            apps.state === 'ready'
              ? (apps.value.entry ?? []).map((a) => ({ value: String(a.id), label: a.name ?? '' }))
              : []
          }
        />
      </Group>
      {problem ? (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      ) : null}
      {!usage && !problem ? <Loader aria-label="Loading usage" /> : null}
      {usage ? (
        <>
          <Text aria-live="polite">
            {usage.total} calls from {usage.from} to {usage.to}.
          </Text>
          <Title order={2}>Calls per day by status</Title>
          <BarChart
            h={260}
            data={byStatus}
            dataKey="date"
            type="stacked"
            series={usage.byStatus.map((s) => ({ name: s.name, color: statusColors[s.name] ?? 'gray.6' }))}
            withLegend
            aria-label="Calls per day by status"
          />
          <Title order={2}>Calls per day by operation</Title>
          <LineChart
            h={260}
            data={byOperation}
            dataKey="date"
            series={usage.byOperation.map((o, i) => ({
              name: `op${i}`,
              label: o.name,
              color: lineColors[i % lineColors.length] ?? 'gray.6',
            }))}
            withLegend
            curveType="monotone"
            aria-label="Calls per day by operation"
          />
          <Text size="sm">
            Totals:{' '}
            {usage.byOperation.length === 0
              ? 'no calls in this range.'
              : usage.byOperation.map((o) => `${o.name} ${o.total}`).join(', ')}
          </Text>
        </>
      ) : null}
      <CallLog
        appNames={new Map(apps.state === 'ready' ? (apps.value.entry ?? []).map((a) => [a.id ?? 0, a.name ?? '']) : [])}
      />
    </Stack>
  );
}
