import { Alert, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { ConsumerPlan } from 'fusio-sdk';
import { useState } from 'react';
import { QueryView } from '../../../components/ui/query-view';
import { errorMessage } from '../../../lib/api-client';
import { useAbout, useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';

/** Portico's payment provider (docs/usage-and-plans.md): free plans go through the same checkout call. */
const provider = 'stripe';

function price(plan: ConsumerPlan, currency: string): string {
  if (!plan.price) return 'Free';
  const amount = new Intl.NumberFormat(undefined, { style: 'currency', currency: currency || 'EUR' }).format(
    plan.price,
  );
  return plan.period === 1 ? `${amount} a month` : amount;
}

/** The plans on offer side by side, the developer's current plan and points, and their transactions. */
export function PlansScreen() {
  useDocumentTitle('Plans');
  const { about } = useAbout();
  const { call } = useSession();
  const account = useApiQuery((client) => client.consumer().account().get(), []);
  const plans = useApiQuery((client) => client.consumer().plan().getAll(0, 1024), []);
  const transactions = useApiQuery((client) => client.consumer().transaction().getAll(0, 50), []);
  const [busy, setBusy] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const currentPlan = account.state === 'ready' ? account.value.planId : undefined;
  const planNames = new Map(plans.state === 'ready' ? (plans.value.entry ?? []).map((p) => [p.id, p.name ?? '']) : []);

  async function choose(plan: ConsumerPlan) {
    setBusy(plan.id ?? null);
    setProblem(null);
    try {
      const returnUrl = window.location.href;
      const answer = await call((client) =>
        client.consumer().payment().checkout(provider, { planId: plan.id, returnUrl }),
      );
      // a priced plan goes to the provider's checkout; a free one comes straight back here
      if (answer.approvalUrl && answer.approvalUrl !== returnUrl) window.location.assign(answer.approvalUrl);
      else {
        account.reload();
        transactions.reload();
      }
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(null);
    }
  }

  return (
    <Stack>
      <Title order={1}>Plans</Title>
      <QueryView query={account}>
        {(value) => (
          <Text>
            {value.planId && planNames.get(value.planId)
              ? `Your plan: ${planNames.get(value.planId)}. `
              : 'You have no plan yet. '}
            Points left: {value.points ?? 0}.
          </Text>
        )}
      </QueryView>
      {problem ? (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      ) : null}
      <QueryView query={plans}>
        {(list) =>
          (list.entry ?? []).length === 0 ? (
            <Text>No plans are offered.</Text>
          ) : (
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
              {(list.entry ?? []).map((plan) => (
                <Card key={plan.id} withBorder padding="lg" component="section" aria-label={plan.name}>
                  <Stack gap="xs">
                    <Group justify="space-between">
                      <Title order={2} size="h3">
                        {plan.name}
                      </Title>
                      {plan.id === currentPlan ? <Badge color="teal.9">Current</Badge> : null}
                    </Group>
                    <Text fw={700} size="lg">
                      {price(plan, about?.paymentCurrency ?? 'EUR')}
                    </Text>
                    <Text size="sm">
                      {plan.points ?? 0} points{plan.period === 1 ? ' every month' : ''}
                    </Text>
                    {plan.description ? <Text size="sm">{plan.description}</Text> : null}
                    <Button
                      onClick={() => choose(plan)}
                      loading={busy === plan.id}
                      disabled={plan.id === currentPlan || (busy !== null && busy !== plan.id)}
                      aria-label={`${plan.price ? 'Subscribe to' : 'Choose'} ${plan.name}`}
                    >
                      {plan.price ? 'Subscribe' : 'Choose'}
                    </Button>
                  </Stack>
                </Card>
              ))}
            </SimpleGrid>
          )
        }
      </QueryView>
      <Title order={2}>Transactions</Title>
      <QueryView query={transactions}>
        {(list) =>
          (list.entry ?? []).length === 0 ? (
            <Text>No transactions yet.</Text>
          ) : (
            <Table.ScrollContainer minWidth={480}>
              <Table striped aria-label="Transactions">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Date</Table.Th>
                    <Table.Th>Plan</Table.Th>
                    <Table.Th>Amount</Table.Th>
                    <Table.Th>Points</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(list.entry ?? []).map((t) => (
                    <Table.Tr key={t.id}>
                      <Table.Td>{t.insertDate ? new Date(t.insertDate).toLocaleDateString() : '—'}</Table.Td>
                      <Table.Td>{t.plan?.name ?? planNames.get(t.planId) ?? t.planId}</Table.Td>
                      <Table.Td>{t.amount ?? 0}</Table.Td>
                      <Table.Td>{t.points ?? 0}</Table.Td>
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
