import { Stack, Title } from '@mantine/core';
import { useDocumentTitle } from '../../../lib/branding';

export function ConsoleScreen() {
  useDocumentTitle('Console');
  return (
    <Stack>
      <Title order={1}>Console</Title>
    </Stack>
  );
}
