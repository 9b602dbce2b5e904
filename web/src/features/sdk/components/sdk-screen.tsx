import { Alert, Anchor, Button, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { QueryView } from '../../../components/ui/query-view';
import { errorMessage } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { downloadGenerated, type GeneratorType, useGeneratorTypes } from '../api/sdk';

/**
 * The SDK page: the API's documents and typed client, generated for the visitor. Logged out they cover
 * the public operations; logged in also those the developer's scopes open (docs/clients.md).
 */
export function SdkScreen() {
  useDocumentTitle('SDK');
  const { session, callWithToken } = useSession();
  const types = useGeneratorTypes();
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);

  async function download(type: GeneratorType) {
    setBusy(type.type);
    setOutcome(null);
    try {
      const name = session
        ? await callWithToken((token) => downloadGenerated(type, token))
        : await downloadGenerated(type, null);
      setOutcome({ ok: true, text: `Downloaded ${name}.` });
    } catch (error) {
      setOutcome({ ok: false, text: errorMessage(error, 'The download failed. Please try again.') });
    } finally {
      setBusy(null);
    }
  }

  return (
    <Stack maw={860}>
      <Title order={1}>SDK</Title>
      <Text>
        Documentation and a typed TypeScript client of this API, generated from its current configuration.{' '}
        {session
          ? 'They cover the public operations and those your scopes open.'
          : 'They cover the public operations; log in to include those your scopes open.'}
      </Text>
      {outcome ? (
        <Alert color={outcome.ok ? 'green' : 'red'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </Alert>
      ) : null}
      <QueryView query={types}>
        {(list) => (
          <Table.ScrollContainer minWidth={520}>
            <Table verticalSpacing="sm" aria-label="Downloads">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Format</Table.Th>
                  <Table.Th scope="col">What it is</Table.Th>
                  <Table.Th scope="col">
                    <VisuallyHidden>Download</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((type) => (
                  <Table.Tr key={type.type}>
                    <Table.Th scope="row">{type.label}</Table.Th>
                    <Table.Td>{type.description}</Table.Td>
                    <Table.Td>
                      <Button
                        size="compact-sm"
                        aria-label={`Download ${type.label}`}
                        loading={busy === type.type}
                        disabled={busy !== null && busy !== type.type}
                        onClick={() => void download(type)}
                      >
                        Download
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryView>
      <Text>
        The TypeScript client is an npm package: <code>npm install ./file.tgz</code>, then{' '}
        <code>createApiClient({'{ token }'})</code> gives a client typed by the API's paths (its README shows how).
        Other languages: generate one from the OpenAPI document. How to use the platform's own API from code is on the{' '}
        <Anchor component={Link} to="/page/sdk">
          SDK guide
        </Anchor>
        .
      </Text>
    </Stack>
  );
}
