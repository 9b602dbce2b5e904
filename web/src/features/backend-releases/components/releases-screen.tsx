import { Alert, Button, Code, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useDocumentTitle } from '../../../lib/branding';
import { apiBaseUrl } from '../../../lib/runtime';
import { useSession } from '../../../lib/session';
import { BackendError, type Collection, useBackendGet } from '../../backend-core/backend-api';
import { formatDate } from '../../backend-core/format';

/** A release as `GET /backend/release` lists it (Portico's addition: fusio-sdk has no such call). */
interface Release {
  version: string;
  actions: number;
  schemas: number;
  insertDate?: string;
}

const versionPattern = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

/**
 * Releases: tag the current version of every action and schema as x.y.z, which callers then select with
 * `Api-Version: x.y.z`. A release is never changed, so the form only adds.
 */
export function ReleasesScreen() {
  useDocumentTitle('Releases');
  const get = useBackendGet();
  const { callWithToken } = useSession();
  const [releases, setReleases] = useState<Release[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [version, setVersion] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    get<Collection<Release>>('/backend/release')
      .then((page) => setReleases(page.entry ?? []))
      .catch((e: unknown) => setLoadError(e instanceof Error ? e.message : String(e)));
  }, [get]);
  useEffect(load, [load]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    if (!versionPattern.test(version.trim())) {
      setError('Give the version as x.y.z, e.g. 1.2.0');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await callWithToken(async (token) => {
        const res = await fetch(`${apiBaseUrl()}/backend/release`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ version: version.trim() }),
        });
        const body = (await res.json().catch(() => ({}))) as { message?: string; title?: string };
        if (!res.ok) throw new BackendError(res.status, body);
        return body;
      });
      setDone(answer.message ?? `Release ${version.trim()} created`);
      setVersion('');
      load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack>
      <Title order={1}>Releases</Title>
      <Text>
        A release tags the current version of every action and schema. Callers that send <Code>Api-Version: 1.2.0</Code>{' '}
        are then served the way release 1.2.0 was, whatever changes later; the API reference of a release is at{' '}
        <Code>/system/openapi?version=1.2.0</Code>.
      </Text>
      <Stack component="form" onSubmit={submit} gap="sm" aria-labelledby="release-new">
        <Title order={2} id="release-new">
          New release
        </Title>
        <Group align="flex-end">
          <TextInput
            label="Version"
            description="x.y.z; a version is released once"
            placeholder="1.0.0"
            value={version}
            onChange={(e) => setVersion(e.currentTarget.value)}
            error={error}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          />
          <Button type="submit" loading={busy}>
            Release
          </Button>
        </Group>
        {done ? (
          <Alert color="green" role="status">
            {done}
          </Alert>
        ) : null}
      </Stack>
      <Title order={2}>Released</Title>
      {loadError ? (
        <Alert color="red" role="alert" title="The releases could not be loaded">
          {loadError}
        </Alert>
      ) : releases === null ? null : releases.length === 0 ? (
        <Text c="dimmed">No release yet.</Text>
      ) : (
        <Table striped aria-label="Releases">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Version</Table.Th>
              <Table.Th>Actions</Table.Th>
              <Table.Th>Schemas</Table.Th>
              <Table.Th>Released</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {releases.map((r) => (
              <Table.Tr key={r.version}>
                <Table.Td>
                  <Code>{r.version}</Code>
                </Table.Td>
                <Table.Td>{r.actions}</Table.Td>
                <Table.Td>{r.schemas}</Table.Td>
                <Table.Td>{formatDate(r.insertDate)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
