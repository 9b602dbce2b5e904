import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import type { BackendGeneratorProviderChangelog } from 'fusio-sdk';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { QueryView } from '../../../components/ui/query-view';
import { errorMessage } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/branding';
import { apiBaseUrl } from '../../../lib/runtime';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';
import { Notice } from '../components/screen-parts';
import { isSqlConnection } from '../connections/sql-classes';

const provider = 'Fusio.Adapter.Sql.Generator.SqlDatabase';

const ucfirst = (s: string) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);
const lcfirst = (s: string) => (s ? s.charAt(0).toLowerCase() + s.slice(1) : s);

/** The names the server gives a run under a base path (server/src/api/backend/generator.ts prefixedNames). */
function prefixed(basePath: string) {
  const segments = basePath.split('/').filter((s) => s !== '');
  const parts = segments.map((s) => s.replaceAll('-', '_'));
  return {
    entity: (name: string) => [...parts.map(ucfirst), ucfirst(name)].join('_'),
    operation: (name: string) => [...parts.map(lcfirst), lcfirst(name)].join('.'),
    path: (httpPath: string) => `/${[...segments, ...httpPath.split('/').filter((s) => s !== '')].join('/')}`,
  };
}

// dark shades: white text on them stays readable (4.5:1)
const methodColor: Record<string, string> = { GET: 'blue.9', POST: 'teal.9', PUT: 'violet.9', DELETE: 'red.9' };

/** Generate from a table: pick a SQL connection and tables, see what will be created, create it in one step. */
export default function GeneratorScreen() {
  useDocumentTitle('Generate from a database');
  const connections = useApiQuery(
    async (client) =>
      ((await client.backend().connection().getAll(0, 1024)).entry ?? []).filter((c) => isSqlConnection(c.class)),
    [],
  );
  return (
    <Stack>
      <Title order={1}>Generate from a database</Title>
      <Text maw={760}>
        Turns tables of a SQL connection into a REST API: per table a schema, five actions and five operations (list,
        read, create, update, delete). Nothing is created until you confirm the preview; then everything is created at
        once, or nothing.
      </Text>
      <QueryView query={connections}>
        {(list) =>
          list.length === 0 ? (
            <Alert color="yellow" title="No SQL connection yet">
              <Anchor component={Link} to="/connections/new">
                Create a connection
              </Anchor>{' '}
              to a PostgreSQL, MySQL/MariaDB or SQLite database first.
            </Alert>
          ) : (
            <Generator
              connections={list.map((c) => ({ value: String(c.name), label: String(c.name), id: String(c.id) }))}
            />
          )
        }
      </QueryView>
    </Stack>
  );
}

interface Plan {
  request: { path: string; scopes: string[]; public: boolean; config: { connection: string; tables: string[] } };
  changelog: BackendGeneratorProviderChangelog;
}

function Generator({ connections }: { connections: { value: string; label: string; id: string }[] }) {
  const { call } = useSession();
  const [connection, setConnection] = useState<string | null>(
    connections.length === 1 ? (connections[0]?.value ?? null) : null,
  );
  const [tables, setTables] = useState<string[]>([]);
  const [basePath, setBasePath] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [isPublic, setPublic] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [done, setDone] = useState<Plan | null>(null);
  const [busy, setBusy] = useState<'preview' | 'create' | null>(null);
  const available = useApiQuery(
    async (client) =>
      connection
        ? (
            (
              await client
                .backend()
                .connection()
                .database()
                .getTables(connections.find((c) => c.value === connection)?.id ?? '', 0, 1000)
            ).entry ?? []
          ).map((t) => t.name ?? '')
        : [],
    [connection],
  );

  function placed(message: string) {
    if (/path/i.test(message)) setErrors({ path: message });
    else if (/scope/i.test(message)) setErrors({ scopes: message });
    else if (/table/i.test(message)) setErrors({ tables: message });
    else setProblem(message);
  }

  async function preview(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setDone(null);
    const found: Record<string, string> = {};
    if (!connection) found.connection = 'Choose a SQL connection';
    if (tables.length === 0) found.tables = 'Choose at least one table';
    const path = basePath.trim();
    if (path !== '' && !/^(\/[A-Za-z0-9_-]+)+$/.test(path)) {
      found.path = 'Start with / and use letters, digits, - and _ between the slashes, e.g. /legacy';
    }
    setErrors(found);
    if (Object.keys(found).length > 0 || !connection) return;
    const request = { path, scopes, public: isPublic, config: { connection, tables } };
    setBusy('preview');
    try {
      const changelog = await call((client) => client.backend().generator().getChangelog(provider, request.config));
      setPlan({ request, changelog });
    } catch (error) {
      setPlan(null);
      placed(errorMessage(error));
    } finally {
      setBusy(null);
    }
  }

  async function create() {
    if (!plan) return;
    setProblem(null);
    setBusy('create');
    try {
      await call((client) => client.backend().generator().executeProvider(provider, plan.request));
      setDone(plan);
      setPlan(null);
    } catch (error) {
      placed(errorMessage(error));
    } finally {
      setBusy(null);
    }
  }

  // a change after the preview makes it stale
  const changed =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setPlan(null);
    };

  return (
    <Stack gap="lg">
      <form onSubmit={preview} noValidate aria-label="Generate from a database">
        <Stack gap="sm" maw={760}>
          {problem ? <Notice tone="error">{problem}</Notice> : null}
          <Select
            label="SQL connection"
            required
            data={connections.map(({ value, label }) => ({ value, label }))}
            value={connection}
            onChange={(v) => {
              changed(setConnection)(v);
              setTables([]);
            }}
            error={errors.connection}
            allowDeselect={false}
            placeholder="Choose a connection"
          />
          {connection ? (
            <QueryView query={available}>
              {(names) => (
                <Checkbox.Group
                  label="Tables"
                  description="Tables need a single-column primary key"
                  value={tables}
                  onChange={changed(setTables)}
                  error={errors.tables}
                  withAsterisk
                >
                  <Group gap="md" mt="xs">
                    {names.length === 0 ? <Text size="sm">This database has no tables.</Text> : null}
                    {names.map((name) => (
                      <Checkbox key={name} value={name} label={name} />
                    ))}
                  </Group>
                  {names.length > 1 ? (
                    <Button
                      mt="xs"
                      variant="subtle"
                      size="compact-sm"
                      onClick={() => changed(setTables)(tables.length === names.length ? [] : names)}
                    >
                      {tables.length === names.length ? 'Choose none' : 'Choose all'}
                    </Button>
                  ) : null}
                </Checkbox.Group>
              )}
            </QueryView>
          ) : null}
          <TextInput
            label="Base path"
            description="Put the operations under this path, e.g. /legacy gives /legacy/news (optional)"
            value={basePath}
            onChange={(e) => changed(setBasePath)(e.currentTarget.value)}
            error={errors.path}
          />
          <TagsInput
            label="Scopes"
            description="Callers need one of these to use the operations; new scopes are created. Press Enter after each."
            value={scopes}
            onChange={changed(setScopes)}
            error={errors.scopes}
          />
          <Checkbox
            label="Public: anyone may call the operations without a token"
            checked={isPublic}
            onChange={(e) => changed(setPublic)(e.currentTarget.checked)}
          />
          <Group>
            <Button type="submit" variant={plan ? 'default' : 'filled'} loading={busy === 'preview'}>
              Preview
            </Button>
          </Group>
        </Stack>
      </form>
      {plan ? <PlanView plan={plan} busy={busy === 'create'} onCreate={create} /> : null}
      {done ? <DoneView plan={done} /> : null}
    </Stack>
  );
}

function PlanView({ plan, busy, onCreate }: { plan: Plan; busy: boolean; onCreate(): void }) {
  const names = prefixed(plan.request.path);
  const { schemas = [], actions = [], operations = [] } = plan.changelog;
  return (
    <Stack gap="sm" aria-labelledby="plan-heading">
      <Title order={2} id="plan-heading">
        What will be created
      </Title>
      <Text>
        {operations.length} operations, {actions.length} actions and {schemas.length} schemas
        {plan.request.public
          ? ', public'
          : plan.request.scopes.length > 0
            ? `, for the scopes ${plan.request.scopes.join(', ')}`
            : ''}
        .
      </Text>
      <Table.ScrollContainer minWidth={640}>
        <Table striped aria-label="Operations that will be created">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Method</Table.Th>
              <Table.Th>Path</Table.Th>
              <Table.Th>Operation</Table.Th>
              <Table.Th>Action</Table.Th>
              <Table.Th>Description</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {operations.map((o) => (
              <Table.Tr key={`${o.httpMethod} ${o.httpPath}`}>
                <Table.Td>
                  <Badge variant="filled" color={methodColor[o.httpMethod ?? ''] ?? 'dark'}>
                    {o.httpMethod}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text ff="monospace" size="sm">
                    {names.path(o.httpPath ?? '')}
                  </Text>
                </Table.Td>
                <Table.Td>{names.operation(o.name ?? '')}</Table.Td>
                <Table.Td>{names.entity(o.action ?? '')}</Table.Td>
                <Table.Td>{o.description}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Text size="sm">Schemas: {schemas.map((s) => names.entity(s.name ?? '')).join(', ')}</Text>
      <Group>
        <Button onClick={onCreate} loading={busy}>
          Create {operations.length} operations
        </Button>
      </Group>
    </Stack>
  );
}

function DoneView({ plan }: { plan: Plan }) {
  const names = prefixed(plan.request.path);
  const base = apiBaseUrl().replace(/\/$/, '');
  const lists = (plan.changelog.operations ?? []).filter(
    (o) => o.httpMethod === 'GET' && !(o.httpPath ?? '').includes(':'),
  );
  return (
    <Alert color="teal" role="status" title={`Created ${(plan.changelog.operations ?? []).length} operations`}>
      <Stack gap={4}>
        <Text size="sm">
          They are live now{plan.request.public ? '' : ' for callers with a token of their scopes'}:
        </Text>
        {lists.map((o) => (
          <Text key={o.httpPath} size="sm" ff="monospace">
            GET {base}
            {names.path(o.httpPath ?? '')}
          </Text>
        ))}
        <Anchor component={Link} to="/operations" size="sm">
          See them among the operations
        </Anchor>
      </Stack>
    </Alert>
  );
}
