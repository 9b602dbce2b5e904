import { Stack, Title } from '@mantine/core';
import { useDocumentTitle } from '../../../lib/branding';

export function DashboardScreen() {
  useDocumentTitle('Dashboard');
  return (
    <Stack>
      <Title order={1}>Dashboard</Title>
    </Stack>
  );
}
