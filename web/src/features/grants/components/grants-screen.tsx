import { Anchor, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { ConfirmButton } from '../../../components/ui/confirm-button';
import { QueryView } from '../../../components/ui/query-view';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';

/** Apps of others the developer allowed to act for them, with the way to take it back. */
export function GrantsScreen() {
  useDocumentTitle('Grants');
  const { call } = useSession();
  const grants = useApiQuery((client) => client.consumer().grant().getAll(0, 1024), []);
  return (
    <Stack>
      <Title order={1}>Apps you allowed</Title>
      <Text>These apps may use the API on your behalf. Revoking ends their access and their tokens at once.</Text>
      <QueryView query={grants}>
        {(list) =>
          (list.entry ?? []).length === 0 ? (
            <Text>You have not allowed any app.</Text>
          ) : (
            <Table.ScrollContainer minWidth={480}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>App</Table.Th>
                    <Table.Th>Allowed on</Table.Th>
                    <Table.Th>
                      <VisuallyHidden>Actions</VisuallyHidden>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(list.entry ?? []).map((grant) => (
                    <Table.Tr key={grant.id}>
                      <Table.Td>
                        {grant.app?.url ? (
                          <Anchor href={grant.app.url} rel="noopener noreferrer">
                            {grant.app?.name}
                          </Anchor>
                        ) : (
                          grant.app?.name
                        )}
                      </Table.Td>
                      <Table.Td>{grant.createDate ? new Date(grant.createDate).toLocaleDateString() : '—'}</Table.Td>
                      <Table.Td>
                        <ConfirmButton
                          size="compact-sm"
                          label="Revoke"
                          aria-label={`Revoke ${grant.app?.name}`}
                          title={`Revoke ${grant.app?.name}?`}
                          message="The app loses its access to your account and its tokens stop working."
                          confirmLabel="Revoke"
                          onConfirm={async () => {
                            await call((client) => client.consumer().grant().delete(String(grant.id)));
                            grants.reload();
                          }}
                        />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryView>
    </Stack>
  );
}
