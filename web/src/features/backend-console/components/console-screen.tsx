import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  Group,
  Paper,
  PasswordInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/branding';
import { apiBaseUrl } from '../../../lib/runtime';
import { useSession } from '../../../lib/session';
import { type Collection, useBackendGet } from '../../backend-core/backend-api';
import { EntitySelect } from '../../backend-core/entity-select';
import { prettyBody, statusColor } from '../../backend-core/format';
import { type LogEntry, logLink } from '../../backend-logs/components/logs-screen';

interface Operation {
  id?: number;
  name?: string;
  httpMethod?: string;
  httpPath?: string;
}

/** The parameters of a Fusio path (`:id`, `$id<[0-9]+>`, `*rest`), in order. */
export function pathParameters(path: string): string[] {
  return path
    .split('/')
    .map(
      (segment) =>
        /^:([A-Za-z_]\w*)$/.exec(segment)?.[1] ??
        /^\$([A-Za-z_]\w*)</.exec(segment)?.[1] ??
        /^\*(\w*)$/.exec(segment)?.[1],
    )
    .filter((name): name is string => name !== undefined)
    .map((name) => name || 'path');
}

/** The path with its parameters filled in (each value encoded, a rest parameter keeps its slashes). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path
    .split('/')
    .map((segment) => {
      const one = /^:([A-Za-z_]\w*)$/.exec(segment)?.[1] ?? /^\$([A-Za-z_]\w*)</.exec(segment)?.[1];
      if (one) return encodeURIComponent(values[one] ?? '');
      const rest = /^\*(\w*)$/.exec(segment);
      if (rest) return (values[rest[1] || 'path'] ?? '').split('/').map(encodeURIComponent).join('/');
      return segment;
    })
    .join('/');
}

type As = 'admin' | 'app' | 'token' | 'none';

interface Answer {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
  ms: number;
  method: string;
  path: string;
  sentAt: number;
}

const categoryOf = (path: string) =>
  ({ backend: '2', consumer: '3', system: '4', authorization: '5' })[path.split('/')[1] ?? ''] ?? undefined;

/** A token for an app from its key and secret (client_credentials), never stored. */
async function appToken(key: string, secret: string): Promise<string> {
  const bytes = new TextEncoder().encode(`${key}:${secret}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const res = await fetch(`${apiBaseUrl()}/authorization/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(binary)}` },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; error_description?: string };
  if (!body.access_token)
    throw new Error(`The app could not get a token: ${body.error_description ?? `HTTP ${res.status}`}`);
  return body.access_token;
}

/** Send a request to any operation as the admin, an app, a pasted token or nobody; see the answer and its log entry. */
export function ConsoleScreen() {
  useDocumentTitle('Console');
  const get = useBackendGet();
  const { callWithToken } = useSession();
  const [operationId, setOperationId] = useState<string | null>(null);
  const [operation, setOperation] = useState<Operation | null>(null);
  const [method, setMethod] = useState('GET');
  const [values, setValues] = useState<Record<string, string>>({});
  const [query, setQuery] = useState('');
  const [headers, setHeaders] = useState('');
  const [body, setBody] = useState('');
  const [as, setAs] = useState<As>('admin');
  const [appKey, setAppKey] = useState('');
  const [appSecret, setAppSecret] = useState('');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [logged, setLogged] = useState<{ id: number } | 'searching' | 'not-found' | null>(null);

  async function choose(id: string | null) {
    setOperationId(id);
    setOperation(null);
    setValues({});
    if (!id) return;
    try {
      const found = await get<Operation>(`/backend/operation/${encodeURIComponent(id)}`);
      setOperation(found);
      setMethod(found.httpMethod ?? 'GET');
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }

  const parameters = operation?.httpPath ? pathParameters(operation.httpPath) : [];

  /** The call's row in the request log: written in batches, so it is looked for a few times. */
  async function findInLog(sent: Answer) {
    setLogged('searching');
    for (let attempt = 0; attempt < 12; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      try {
        const page = await get<Collection<LogEntry>>('/backend/log', {
          path: sent.path,
          method: sent.method,
          from: new Date(sent.sentAt - 1000).toISOString(),
          categoryId: categoryOf(sent.path),
          count: 5,
        });
        const hit = (page.entry ?? []).find((e) => e.path === sent.path);
        if (hit) {
          setLogged({ id: hit.id });
          return;
        }
      } catch {
        break;
      }
    }
    setLogged('not-found');
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    if (!operation?.httpPath) {
      setProblem('Choose an operation first');
      return;
    }
    const missing = parameters.find((name) => !values[name]);
    if (missing) {
      setProblem(`Fill in the path parameter "${missing}"`);
      return;
    }
    const extra: Record<string, string> = {};
    for (const line of headers.split('\n')) {
      if (!line.trim()) continue;
      const at = line.indexOf(':');
      if (at <= 0) {
        setProblem(`Header line "${line.trim()}" must look like Name: value`);
        return;
      }
      extra[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    if (as === 'app' && (!appKey.trim() || !appSecret)) {
      setProblem('Enter the app key and the app secret');
      return;
    }
    if (as === 'token' && !token.trim()) {
      setProblem('Paste the bearer token');
      return;
    }
    const path = fillPath(operation.httpPath, values);
    const search = query.trim().replace(/^\?/, '');
    const url = `${apiBaseUrl()}${path}${search ? `?${search}` : ''}`;
    const hasBody = !['GET', 'HEAD', 'DELETE'].includes(method) && body.trim() !== '';
    setBusy(true);
    setAnswer(null);
    setLogged(null);
    try {
      const run = async (bearer: string | null) => {
        const sentAt = Date.now();
        const started = performance.now();
        const res = await fetch(url, {
          method,
          headers: {
            ...(hasBody && !Object.keys(extra).some((h) => h.toLowerCase() === 'content-type')
              ? { 'content-type': 'application/json' }
              : {}),
            ...extra,
            ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          },
          body: hasBody ? body : undefined,
        });
        const text = await res.text();
        const ms = performance.now() - started;
        return {
          status: res.status,
          statusText: res.statusText,
          headers: [...res.headers.entries()],
          body: text,
          ms,
          method,
          path,
          sentAt,
        } satisfies Answer;
      };
      let result: Answer;
      if (as === 'admin') result = await callWithToken((t) => run(t));
      else if (as === 'app') result = await run(await appToken(appKey.trim(), appSecret));
      else if (as === 'token') result = await run(token.trim());
      else result = await run(null);
      setAnswer(result);
      void findInLog(result);
    } catch (error) {
      setProblem(error instanceof Error && !('payload' in error) ? error.message : errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack>
      <Title order={1}>Console</Title>
      <Paper withBorder p="md" component="form" onSubmit={send} aria-label="Request">
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
            <EntitySelect
              label="Operation"
              entity="operation"
              placeholder="Search by name"
              value={operationId}
              onChange={(id) => void choose(id)}
            />
            <Group gap="sm" align="flex-end" wrap="nowrap">
              <Select
                label="Method"
                data={['GET', 'POST', 'PUT', 'PATCH', 'DELETE']}
                value={method}
                onChange={(v) => setMethod(v ?? 'GET')}
                allowDeselect={false}
                w={120}
              />
              <TextInput label="Path" value={operation?.httpPath ?? ''} readOnly style={{ flex: 1 }} />
            </Group>
          </SimpleGrid>
          {parameters.length > 0 ? (
            <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} spacing="sm">
              {parameters.map((name) => (
                <TextInput
                  key={name}
                  label={`Path parameter ${name}`}
                  value={values[name] ?? ''}
                  onChange={(e) => {
                    const value = e.currentTarget.value;
                    setValues((v) => ({ ...v, [name]: value }));
                  }}
                  required
                />
              ))}
            </SimpleGrid>
          ) : null}
          <TextInput
            label="Query string"
            placeholder="a=1&b=2"
            value={query}
            onChange={(e) => setQuery(e.currentTarget.value)}
          />
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
            <Textarea
              label="Headers"
              description="One per line: Name: value"
              autosize
              minRows={3}
              value={headers}
              onChange={(e) => setHeaders(e.currentTarget.value)}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            />
            <Textarea
              label="Body"
              description="Sent with POST, PUT and PATCH (JSON unless a Content-Type header says otherwise)"
              autosize
              minRows={3}
              value={body}
              onChange={(e) => setBody(e.currentTarget.value)}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            />
          </SimpleGrid>
          <Stack gap={4}>
            <Text size="sm" fw={500} id="console-as">
              Send as
            </Text>
            <SegmentedControl
              aria-labelledby="console-as"
              value={as}
              onChange={(v) => setAs(v as As)}
              data={[
                { value: 'admin', label: 'Me (admin)' },
                { value: 'app', label: 'An app' },
                { value: 'token', label: 'A bearer token' },
                { value: 'none', label: 'Nobody' },
              ]}
            />
          </Stack>
          {as === 'app' ? (
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <TextInput
                label="App key"
                value={appKey}
                onChange={(e) => setAppKey(e.currentTarget.value)}
                autoComplete="off"
              />
              <PasswordInput
                label="App secret"
                description="Traded for a client_credentials token; not kept"
                value={appSecret}
                onChange={(e) => setAppSecret(e.currentTarget.value)}
                autoComplete="off"
              />
            </SimpleGrid>
          ) : null}
          {as === 'token' ? (
            <PasswordInput
              label="Bearer token"
              description="A user's or an app's access token; not kept"
              value={token}
              onChange={(e) => setToken(e.currentTarget.value)}
              autoComplete="off"
            />
          ) : null}
          {problem ? (
            <Alert color="red" role="alert">
              {problem}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button type="submit" loading={busy}>
              Send
            </Button>
          </Group>
        </Stack>
      </Paper>
      {answer ? (
        <Paper withBorder p="md" component="section" aria-label="Response">
          <Stack gap="sm">
            <Group gap="md">
              <Title order={2} size="h3">
                Response
              </Title>
              <Badge
                color={statusColor(answer.status)}
                size="lg"
                variant="light"
                aria-label={`Status ${answer.status}`}
              >
                {answer.status} {answer.statusText}
              </Badge>
              <Text>{Math.round(answer.ms)} ms</Text>
              {logged === 'searching' ? (
                <Text size="sm" c="dimmed">
                  Looking for the call in the log…
                </Text>
              ) : null}
              {logged && typeof logged === 'object' ? (
                <Anchor component={Link} to={`/logs/${logged.id}`}>
                  This call in the log
                </Anchor>
              ) : null}
              {logged === 'not-found' ? (
                <Anchor
                  component={Link}
                  to={logLink({
                    path: answer.path,
                    method: answer.method,
                    from: new Date(answer.sentAt - 1000).toISOString(),
                    categoryId: categoryOf(answer.path),
                  })}
                >
                  Calls like this in the log
                </Anchor>
              ) : null}
            </Group>
            <Text size="sm" c="dimmed">
              {answer.method} {answer.path}
            </Text>
            <Title order={3} size="h4">
              Headers
            </Title>
            <Table.ScrollContainer minWidth={500}>
              <Table>
                <Table.Tbody>
                  {answer.headers.map(([name, value]) => (
                    <Table.Tr key={name}>
                      <Table.Th scope="row" w={220}>
                        {name}
                      </Table.Th>
                      <Table.Td style={{ wordBreak: 'break-all' }}>{value}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Title order={3} size="h4">
              Body
            </Title>
            <Code block>{prettyBody(answer.body) || '(empty)'}</Code>
          </Stack>
        </Paper>
      ) : null}
    </Stack>
  );
}
