import { Anchor, Badge, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { QueryView } from '../../../components/ui/query-view';
import { useDocumentTitle } from '../../../lib/branding';
import { useApiQuery } from '../../../lib/use-api';

/** The developer's apps: key, scopes, and the way to create one. */
export function AppsScreen() {
  useDocumentTitle('Apps');
  const apps = useApiQuery((client) => client.consumer().app().getAll(0, 1024), []);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Apps</Title>
        <Button component={Link} to="/apps/new">
          Create app
        </Button>
      </Group>
      <Text>An app stands for the software that calls the API. Its key and secret get it a token.</Text>
      <QueryView query={apps}>
        {(list) =>
          (list.entry ?? []).length === 0 ? (
            <Text>You have no apps yet.</Text>
          ) : (
            <Table.ScrollContainer minWidth={560}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Key</Table.Th>
                    <Table.Th>Scopes</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(list.entry ?? []).map((app) => (
                    <Table.Tr key={app.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/apps/${app.id}`}>
                          {app.name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <Text ff="monospace" size="sm">
                          {app.appKey}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {(app.scopes ?? []).map((s) => (
                            <Badge key={s} variant="light" tt="none">
                              {s}
                            </Badge>
                          ))}
                        </Group>
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
