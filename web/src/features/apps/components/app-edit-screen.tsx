import { Alert, Anchor, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ConfirmButton } from '../../../components/ui/confirm-button';
import { QueryView } from '../../../components/ui/query-view';
import { SecretValue, ShownOnce } from '../../../components/ui/secret-once';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';
import { regenerateSecret } from '../api/regenerate-secret';
import { AppForm } from './app-form';

/** One app: its key, its settings to change, and deletion after a confirmation. */
export function AppEditScreen() {
  const { appId = '' } = useParams();
  const { call, callWithToken } = useSession();
  const [secret, setSecret] = useState<string | null>(null);
  const navigate = useNavigate();
  const app = useApiQuery((client) => client.consumer().app().get(appId), [appId]);
  const [saved, setSaved] = useState(false);
  useDocumentTitle(app.state === 'ready' ? (app.value.name ?? 'App') : 'App');

  return (
    <QueryView query={app}>
      {(value) => (
        <Stack>
          <Group justify="space-between">
            <Title order={1}>{value.name}</Title>
            <ConfirmButton
              label="Delete app"
              title={`Delete ${value.name}?`}
              message="Its key and secret stop working at once, and the tokens it holds are revoked. This cannot be undone."
              confirmLabel="Delete"
              onConfirm={async () => {
                await call((client) => client.consumer().app().delete(appId));
                navigate('/apps', { replace: true });
              }}
            />
          </Group>
          <SecretValue label="App key" value={value.appKey ?? ''} />
          {secret ? (
            <ShownOnce>
              <SecretValue label="New app secret" value={secret} />
            </ShownOnce>
          ) : (
            <Group justify="space-between" align="center">
              <Text size="sm">
                The secret was shown when the app was created; Portico keeps only a digest of it. Lost it?
              </Text>
              <ConfirmButton
                label="Regenerate secret"
                title={`A new secret for ${value.name}?`}
                message="The current secret stops working at once and the tokens the app holds are revoked. The new secret is shown once."
                confirmLabel="Regenerate"
                onConfirm={async () => {
                  const renewed = await callWithToken((token) => regenerateSecret(token, appId));
                  setSecret(renewed.appSecret);
                }}
              />
            </Group>
          )}
          {saved ? (
            <Alert color="green" role="status">
              Saved.
            </Alert>
          ) : null}
          <AppForm
            initial={{ name: value.name ?? '', url: value.url ?? '', scopes: value.scopes ?? [] }}
            submitLabel="Save"
            onSubmit={async (values) => {
              setSaved(false);
              await call((client) => client.consumer().app().update(appId, values));
              setSaved(true);
              app.reload();
            }}
          />
          <Anchor component={Link} to="/apps">
            Back to your apps
          </Anchor>
        </Stack>
      )}
    </QueryView>
  );
}
