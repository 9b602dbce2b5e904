import { Alert, Anchor, Code, Group, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

/** A screen's heading with the way back to its list. */
export function ScreenHeading({
  title,
  back,
  backLabel,
  actions,
}: {
  title: string;
  back: string;
  backLabel: string;
  actions?: ReactNode;
}) {
  return (
    <Stack gap={4}>
      <Anchor component={Link} to={back} size="sm">
        ← {backLabel}
      </Anchor>
      <Group justify="space-between" align="flex-end">
        <Title order={1}>{title}</Title>
        {actions ? <Group gap="xs">{actions}</Group> : null}
      </Group>
    </Stack>
  );
}

/** A message above a form: what went wrong, or what was done. */
export function Notice({ tone, children }: { tone: 'error' | 'done'; children: ReactNode }) {
  return tone === 'error' ? (
    <Alert color="red" role="alert">
      {children}
    </Alert>
  ) : (
    <Alert color="teal" role="status">
      {children}
    </Alert>
  );
}

/** A value shown as JSON (an answer's body, a row). */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return (
    <Stack gap={2}>
      <Text size="sm" fw={500}>
        {label}
      </Text>
      <Code block tabIndex={0} aria-label={label} style={{ maxHeight: 360, overflow: 'auto' }}>
        {text}
      </Code>
    </Stack>
  );
}

/** The last part of a Fusio class name: `Fusio.Adapter.Sql.Action.SqlSelectAll` → `SqlSelectAll`. */
export function shortClass(className: string | undefined): string {
  return (className ?? '').split(/[.\\]/).pop() ?? '';
}
