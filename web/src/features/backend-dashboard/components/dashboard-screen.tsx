import { AreaChart, BarChart, LineChart } from '@mantine/charts';
import '@mantine/charts/styles.css';
import {
  Alert,
  Anchor,
  Group,
  Loader,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDocumentVisibility } from '@mantine/hooks';
import type { BackendStatisticChart } from 'fusio-sdk';
import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/branding';
import { useBackendGet } from '../../backend-core/backend-api';
import { entityNav } from '../../backend-entities';
import { logLink } from '../../backend-logs/components/logs-screen';

const day = 86_400_000;
const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);
const refreshEvery = 15_000;
const palette = [
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
];
const classColors: Record<string, string> = {
  'Answered (2xx/3xx)': 'teal.6',
  'Client errors (4xx)': 'orange.6',
  'Rate limited (429)': 'grape.6',
  'Server errors (5xx)': 'red.7',
  Delivered: 'teal.6',
  Waiting: 'gray.6',
  'Failing (retrying)': 'orange.6',
  'Given up': 'red.7',
};

/** The statistics the dashboard shows, by their path under /backend/statistic/. */
const charts = [
  'incoming_requests',
  'response_classes',
  'latency_per_operation',
  'most_used_operations',
  'most_used_apps',
  'rate_limited_users',
  'user_registrations',
  'issued_tokens',
  'webhook_deliveries',
] as const;
type ChartName = (typeof charts)[number];
type Stats = Record<ChartName, BackendStatisticChart> & { count: number };

/** Chart rows for Mantine's charts: one per label, a key per series (keys without dots: recharts reads paths). */
function rowsOf(chart: BackendStatisticChart | undefined) {
  const labels = chart?.labels ?? [];
  const series = chart?.series ?? [];
  return {
    data: labels.map((label, i) => ({
      label,
      ...Object.fromEntries(series.map((s, n) => [`s${n}`, s.data?.[i] ?? 0])),
    })),
    series: series.map((s, n) => ({
      name: `s${n}`,
      label: s.name ?? '',
      color: classColors[s.name ?? ''] ?? palette[n % palette.length] ?? 'gray.6',
    })),
  };
}

const sum = (chart: BackendStatisticChart | undefined, name?: string) =>
  (chart?.series ?? [])
    .filter((s) => name === undefined || s.name === name)
    .reduce((total, s) => total + (s.data ?? []).reduce((a, b) => a + b, 0), 0);

function ChartCard({
  title,
  link,
  linkLabel = 'Open the log',
  empty,
  children,
}: {
  title: string;
  link?: string | undefined;
  linkLabel?: string;
  empty: boolean;
  children: ReactNode;
}) {
  return (
    <Paper withBorder p="md" component="section" aria-label={title}>
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Title order={2} size="h4">
          {title}
        </Title>
        {link ? (
          <Anchor component={Link} to={link} size="sm" aria-label={`${linkLabel}: ${title}`}>
            {linkLabel}
          </Anchor>
        ) : null}
      </Group>
      {empty ? (
        <Text c="dimmed" size="sm">
          Nothing in this range.
        </Text>
      ) : (
        // the chart's picture is named by its title; the log behind it has the numbers
        <div role="img" aria-label={title}>
          {children}
        </div>
      )}
    </Paper>
  );
}

function Figure({ label, value, link }: { label: string; value: string; link?: string }) {
  // a space between the two lines: the link's name reads "Requests 12"
  const body = (
    <>
      <Text size="sm" c="dimmed">
        {label}
      </Text>{' '}
      <Text fw={700} size="xl">
        {value}
      </Text>
    </>
  );
  return (
    <Paper withBorder p="sm">
      {link ? (
        <Anchor component={Link} to={link} c="inherit" underline="hover" title="Open the log">
          {body}
        </Anchor>
      ) : (
        body
      )}
    </Paper>
  );
}

const ranges = [
  { value: '1', label: 'Today' },
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: 'custom', label: 'Custom' },
];

/** The gateway at a glance over a chosen range, refreshed while the tab is visible; each chart links to its log. */
export function DashboardScreen() {
  useDocumentTitle('Dashboard');
  const get = useBackendGet();
  const visibility = useDocumentVisibility();
  const [range, setRange] = useState('7');
  const [customFrom, setCustomFrom] = useState(isoDay(Date.now() - 6 * day));
  const [customTo, setCustomTo] = useState(isoDay(Date.now()));
  const [live, setLive] = useState(true);
  const [stats, setStats] = useState<Stats | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);

  const [from, to] = useMemo(() => {
    if (range === 'custom') return [customFrom, customTo];
    return [isoDay(Date.now() - (Number(range) - 1) * day), isoDay(Date.now())];
  }, [range, customFrom, customTo]);
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(to);

  const load = useCallback(async () => {
    if (!valid) return;
    try {
      const query = { from, to };
      const [count, ...values] = await Promise.all([
        get<{ count?: number }>('/backend/statistic/count_requests', query),
        ...charts.map((name) => get<BackendStatisticChart>(`/backend/statistic/${name}`, query)),
      ]);
      setStats({ count: count.count ?? 0, ...Object.fromEntries(charts.map((name, i) => [name, values[i]])) } as Stats);
      setProblem(null);
      setUpdatedAt(new Date());
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }, [get, from, to, valid]);

  useEffect(() => {
    setStats(null);
    void load();
  }, [load]);

  // live: poll while the tab is visible; a tab coming back refreshes at once
  useEffect(() => {
    if (!live || visibility !== 'visible') return;
    void load();
    const timer = window.setInterval(() => void load(), refreshEvery);
    return () => window.clearInterval(timer);
  }, [live, visibility, load]);

  // the log covers the same whole UTC days as the statistics
  const window_ = { from: `${from}T00:00:00.000Z`, to: `${to}T23:59:59.999Z` };
  const navLink = (pattern: RegExp) => entityNav.find((item) => pattern.test(item.label))?.to;
  const total = stats?.count ?? 0;
  const errors5xx = sum(stats?.response_classes, 'Server errors (5xx)');
  const errors4xx = sum(stats?.response_classes, 'Client errors (4xx)');
  const limited = sum(stats?.response_classes, 'Rate limited (429)');
  const percent = (n: number) => (total === 0 ? '0 %' : `${((n / total) * 100).toFixed(1)} %`);
  const failingDeliveries =
    sum(stats?.webhook_deliveries, 'Failing (retrying)') + sum(stats?.webhook_deliveries, 'Given up');

  const line = (chart: BackendStatisticChart | undefined) => {
    const { data, series } = rowsOf(chart);
    return <LineChart h={220} data={data} dataKey="label" series={series} withLegend curveType="monotone" />;
  };

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1}>Dashboard</Title>
        <Group align="flex-end" gap="sm">
          <SegmentedControl data={ranges} value={range} onChange={setRange} aria-label="Range" />
          {range === 'custom' ? (
            <>
              <TextInput
                label="From"
                type="date"
                value={customFrom}
                onChange={(e) => setCustomFrom(e.currentTarget.value)}
              />
              <TextInput label="To" type="date" value={customTo} onChange={(e) => setCustomTo(e.currentTarget.value)} />
            </>
          ) : null}
          <Switch label="Live" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} />
        </Group>
      </Group>
      <Text size="sm" c="dimmed" aria-live="polite">
        Calls to your API from {from} to {to} (UTC days).
        {updatedAt ? ` Updated ${updatedAt.toLocaleTimeString(undefined, { hour12: false })}` : ''}
        {live
          ? visibility === 'visible'
            ? `, refreshed every ${refreshEvery / 1000} s.`
            : ', paused while hidden.'
          : '.'}
      </Text>
      {problem ? (
        <Alert color="red" role="alert" title="The statistics could not be loaded">
          {problem}
        </Alert>
      ) : null}
      {!stats && !problem ? <Loader aria-label="Loading the statistics" /> : null}
      {stats ? (
        <>
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="sm">
            <Figure label="Requests" value={String(total)} link={logLink(window_)} />
            <Figure label="Server errors" value={percent(errors5xx)} link={logLink({ ...window_, status: '5xx' })} />
            <Figure label="Client errors" value={percent(errors4xx)} link={logLink({ ...window_, status: '4xx' })} />
            <Figure label="Rate limited" value={String(limited)} link={logLink({ ...window_, status: '429' })} />
            <Figure label="New users" value={String(sum(stats.user_registrations))} />
            <Figure label="Failing deliveries" value={String(failingDeliveries)} />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
            <ChartCard title="Requests per day" link={logLink(window_)} empty={total === 0}>
              <AreaChart h={220} {...rowsOf(stats.incoming_requests)} dataKey="label" curveType="monotone" />
            </ChartCard>
            <ChartCard title="Answers and errors" link={logLink({ ...window_, status: '4xx,5xx' })} empty={total === 0}>
              <BarChart h={220} {...rowsOf(stats.response_classes)} dataKey="label" type="stacked" withLegend />
            </ChartCard>
            <ChartCard
              title="Latency per operation (p50, p95)"
              link={logLink(window_)}
              empty={(stats.latency_per_operation.labels ?? []).length === 0}
            >
              <BarChart
                h={Math.max(160, (stats.latency_per_operation.labels ?? []).length * 44)}
                {...rowsOf(stats.latency_per_operation)}
                dataKey="label"
                orientation="vertical"
                yAxisProps={{ width: 160 }}
                withLegend
              />
            </ChartCard>
            <ChartCard
              title="Most used operations"
              link={logLink(window_)}
              empty={(stats.most_used_operations.series ?? []).length === 0}
            >
              {line(stats.most_used_operations)}
            </ChartCard>
            <ChartCard
              title="Most used apps"
              link={logLink(window_)}
              empty={(stats.most_used_apps.series ?? []).length === 0}
            >
              {line(stats.most_used_apps)}
            </ChartCard>
            <ChartCard
              title="Rate-limited callers (429)"
              link={logLink({ ...window_, status: '429' })}
              empty={(stats.rate_limited_users.series ?? []).length === 0}
            >
              {line(stats.rate_limited_users)}
            </ChartCard>
            <ChartCard
              title="New users"
              link={navLink(/^users$/i)}
              linkLabel="Open the users"
              empty={sum(stats.user_registrations) === 0}
            >
              {line(stats.user_registrations)}
            </ChartCard>
            <ChartCard
              title="Issued tokens"
              link={logLink({ ...window_, categoryId: '5', path: '/authorization/token' })}
              linkLabel="Open the token requests"
              empty={sum(stats.issued_tokens) === 0}
            >
              {line(stats.issued_tokens)}
            </ChartCard>
            <ChartCard
              title="Webhook deliveries"
              link={navLink(/^webhooks$/i)}
              linkLabel="Open the webhooks"
              empty={sum(stats.webhook_deliveries) === 0}
            >
              <BarChart h={220} {...rowsOf(stats.webhook_deliveries)} dataKey="label" type="stacked" withLegend />
            </ChartCard>
          </SimpleGrid>
        </>
      ) : null}
    </Stack>
  );
}
