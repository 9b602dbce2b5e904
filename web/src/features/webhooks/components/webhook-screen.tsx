import { Anchor, Badge, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router';
import { ConfirmButton } from '../../../components/ui/confirm-button';
import { QueryView } from '../../../components/ui/query-view';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';

/** One webhook: every delivery attempt Portico made, and deletion. */
export function WebhookScreen() {
  const { webhookId = '' } = useParams();
  const { call } = useSession();
  const navigate = useNavigate();
  const hook = useApiQuery((client) => client.consumer().webhook().get(webhookId), [webhookId]);
  useDocumentTitle(hook.state === 'ready' ? (hook.value.name ?? 'Webhook') : 'Webhook');
  return (
    <QueryView query={hook}>
      {(value) => (
        <Stack>
          <Group justify="space-between">
            <Title order={1}>{value.name}</Title>
            <ConfirmButton
              label="Delete webhook"
              title={`Delete ${value.name}?`}
              message="Portico stops calling this endpoint."
              confirmLabel="Delete"
              onConfirm={async () => {
                await call((client) => client.consumer().webhook().delete(webhookId));
                navigate('/webhooks', { replace: true });
              }}
            />
          </Group>
          <Text>
            {value.event} → <span style={{ wordBreak: 'break-all' }}>{value.endpoint}</span>
          </Text>
          <Title order={2}>Deliveries</Title>
          {(value.responses ?? []).length === 0 ? (
            <Text>No deliveries yet.</Text>
          ) : (
            <Table.ScrollContainer minWidth={480}>
              <Table striped aria-label="Deliveries">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>When</Table.Th>
                    <Table.Th>Answer</Table.Th>
                    <Table.Th>Attempts</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(value.responses ?? []).map((r, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: deliveries have no id; the list is only ever replaced whole
                    <Table.Tr key={`${r.executeDate}-${i}`}>
                      <Table.Td>{r.executeDate ? new Date(r.executeDate).toLocaleString() : '—'}</Table.Td>
                      <Table.Td>
                        <Badge color={r.code && r.code < 400 ? 'teal.9' : 'red.9'} tt="none">
                          {r.code ?? 'no answer'}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{r.attempts}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          <Anchor component={Link} to="/webhooks">
            Back to your webhooks
          </Anchor>
        </Stack>
      )}
    </QueryView>
  );
}
