import { Alert, Button, CopyButton, Group, Stack, Text, TextInput } from '@mantine/core';

/** A credential Portico shows this once: read-only, with a copy button. */
export function SecretValue({ label, value }: { label: string; value: string }) {
  return (
    <Group align="flex-end" wrap="nowrap" gap="xs">
      <TextInput
        label={label}
        value={value}
        readOnly
        style={{ flex: 1 }}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        onFocus={(e) => e.currentTarget.select()}
      />
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button variant={copied ? 'filled' : 'default'} onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

export function ShownOnce({ children }: { children: React.ReactNode }) {
  return (
    <Alert color="yellow" role="status" title="Copy it now">
      <Stack gap="sm">
        <Text size="sm">This is the only time it is shown. Store it like a password.</Text>
        {children}
      </Stack>
    </Alert>
  );
}
