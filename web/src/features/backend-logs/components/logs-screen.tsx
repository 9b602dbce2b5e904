import { Stack, Title } from '@mantine/core';
import { useDocumentTitle } from '../../../lib/branding';

export function LogsScreen() {
  useDocumentTitle('Logs');
  return (
    <Stack>
      <Title order={1}>Logs</Title>
    </Stack>
  );
}
