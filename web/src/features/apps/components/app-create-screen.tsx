import { Anchor, Stack, Title } from '@mantine/core';
import type { CommonMessage } from 'fusio-sdk';
import { useState } from 'react';
import { Link } from 'react-router';
import { SecretValue, ShownOnce } from '../../../components/ui/secret-once';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { AppForm } from './app-form';

type Created = CommonMessage & { id?: string | number; appKey?: string; appSecret?: string };

/** A new app; its secret is in the create answer only, so it is shown here, once. */
export function AppCreateScreen() {
  useDocumentTitle('Create an app');
  const { call } = useSession();
  const [created, setCreated] = useState<Created | null>(null);

  if (created) {
    return (
      <Stack maw={640}>
        <Title order={1}>Your app is ready</Title>
        <SecretValue label="App key" value={created.appKey ?? ''} />
        <ShownOnce>
          <SecretValue label="App secret" value={created.appSecret ?? ''} />
        </ShownOnce>
        <Anchor component={Link} to="/apps">
          Back to your apps
        </Anchor>
      </Stack>
    );
  }
  return (
    <Stack>
      <Title order={1}>Create an app</Title>
      <AppForm
        initial={{ name: '', url: '', scopes: [] }}
        submitLabel="Create app"
        onSubmit={async (values) => {
          const answer = (await call((client) => client.consumer().app().create(values))) as Created;
          setCreated(answer);
        }}
      />
    </Stack>
  );
}
