import { Stack, Title } from '@mantine/core';
import { useDocumentTitle } from '../../../lib/branding';

export function AuditScreen() {
  useDocumentTitle('Audit trail');
  return (
    <Stack>
      <Title order={1}>Audit trail</Title>
    </Stack>
  );
}
