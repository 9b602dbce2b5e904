import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import type { PluginFormSpec } from '../../../components/plugin-form';
import { QueryView } from '../../../components/ui/query-view';
import { errorMessage } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/branding';
import { apiBaseUrl } from '../../../lib/runtime';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';
import { PluginEditor } from '../components/plugin-editor';
import { ScreenHeading } from '../components/screen-parts';
import { isSqlConnection } from './sql-classes';

/** `POST /backend/connection/test` (Portico's; the SDK does not know it): tries the settings, stores nothing. */
async function testConnection(
  token: string,
  id: number | undefined,
  className: string,
  config: Record<string, unknown>,
): Promise<void> {
  const res = await fetch(`${apiBaseUrl()}/backend/connection/test`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...(id ? { id } : {}), class: className, config }),
  });
  if (res.ok) return;
  const payload = await res.json().catch(() => ({ title: res.statusText, message: `Portico answered ${res.status}` }));
  throw Object.assign(new Error('connection test refused'), { payload });
}

/**
 * For a connection that authorizes with an OAuth2 authorization code: opens the provider's consent page
 * (getRedirect) in a new tab; the provider sends the browser back to Portico's callback.
 */
function AuthorizeButton({ connectionId }: { connectionId: number }) {
  const { call } = useSession();
  const [problem, setProblem] = useState<string | null>(null);
  async function authorize() {
    setProblem(null);
    try {
      const { redirectUri } = await call((client) => client.backend().connection().getRedirect(String(connectionId)));
      if (redirectUri) window.open(redirectUri, '_blank', 'noopener');
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }
  return (
    <Group>
      <Button variant="light" onClick={authorize}>
        Authorize at the provider
      </Button>
      {problem ? (
        <Alert color="red" role="alert" title="Could not start the authorization">
          {problem}
        </Alert>
      ) : null}
    </Group>
  );
}

/** Create or edit a connection with the form its type describes; Portico tests it before it stores it. */
export default function ConnectionEditScreen() {
  const { id } = useParams();
  useDocumentTitle(id ? 'Connection' : 'New connection');
  const data = useApiQuery(
    async (client) => {
      const [classes, connection] = await Promise.all([
        client.backend().connection().getClasses(),
        id ? client.backend().connection().get(id) : Promise.resolve(null),
      ]);
      return { classes: classes.connections ?? [], connection };
    },
    [id],
  );
  return (
    <Stack>
      <QueryView query={data}>
        {({ classes, connection }) => (
          <>
            <ScreenHeading
              title={connection ? `Connection ${connection.name}` : 'New connection'}
              back="/connections"
              backLabel="Connections"
              actions={
                connection?.id && isSqlConnection(connection.class) ? (
                  <Button component={Link} to={`/connections/${connection.id}/database`} variant="light">
                    Browse database
                  </Button>
                ) : connection?.id && (connection.config as { auth?: unknown } | undefined)?.auth === 'oauth2-code' ? (
                  <AuthorizeButton connectionId={connection.id} />
                ) : null
              }
            />
            <Text size="sm" maw={760}>
              Saving tests the connection: Portico connects with these settings first and stores them only when that
              works, so the answer to Save is the connection test. Passwords and keys are stored encrypted; a stored one
              shows as ******** and stays as it is unless you type a new one.
            </Text>
            <PluginEditor
              key={connection?.id ?? 'new'}
              noun="connection"
              listPath="/connections"
              classes={classes}
              initial={
                connection?.id
                  ? {
                      id: connection.id,
                      name: connection.name ?? '',
                      class: connection.class ?? '',
                      config: (connection.config ?? {}) as Record<string, unknown>,
                    }
                  : undefined
              }
              loadForm={(client, className) =>
                client.backend().connection().getForm(className) as Promise<PluginFormSpec>
              }
              save={async (client, entity) => {
                const body = { name: entity.name, class: entity.class, config: entity.config };
                const answer = connection?.id
                  ? await client.backend().connection().update(String(connection.id), body)
                  : await client.backend().connection().create(body);
                return answer.id;
              }}
              remove={async (client) => {
                await client.backend().connection().delete(String(connection?.id));
              }}
              deleteWarning="Actions that use this connection stop working until they get another one."
              test={(token, entity) => testConnection(token, connection?.id, entity.class, entity.config)}
            />
          </>
        )}
      </QueryView>
    </Stack>
  );
}
