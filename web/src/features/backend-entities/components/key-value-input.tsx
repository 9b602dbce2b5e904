import { ActionIcon, Button, Fieldset, Group, Input, Stack, Text, TextInput } from '@mantine/core';
import type { ReactNode } from 'react';

export type KeyValue = { key: string; value: string };

/** Metadata and the like: string values by string keys, one row each. */
export function KeyValueInput({
  label,
  description,
  value,
  onChange,
  error,
}: {
  label: string;
  description?: ReactNode;
  value: KeyValue[];
  onChange(value: KeyValue[]): void;
  error?: ReactNode;
}) {
  const set = (index: number, patch: Partial<KeyValue>) =>
    onChange(value.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <Fieldset legend={<Input.Label component="span">{label}</Input.Label>} variant="unstyled" p={0}>
      <Stack gap={6}>
        {description ? (
          <Text size="xs" c="dimmed" mt={-6}>
            {description}
          </Text>
        ) : null}
        {value.map((row, index) => (
          // rows have no identity but their place; keys may be typed twice for a moment
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <Group key={index} gap="xs" align="flex-end" wrap="nowrap">
            <TextInput
              label={`${label}: key ${index + 1}`}
              value={row.key}
              onChange={(e) => set(index, { key: e.currentTarget.value })}
              style={{ flex: 1 }}
            />
            <TextInput
              label={`${label}: value ${index + 1}`}
              value={row.value}
              onChange={(e) => set(index, { value: e.currentTarget.value })}
              style={{ flex: 2 }}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              size="lg"
              aria-label={`Remove ${label.toLowerCase()} ${row.key || index + 1}`}
              onClick={() => onChange(value.filter((_, i) => i !== index))}
            >
              ×
            </ActionIcon>
          </Group>
        ))}
        {error ? (
          <Text size="sm" c="red" role="alert">
            {error}
          </Text>
        ) : null}
        <Group>
          <Button variant="default" size="xs" onClick={() => onChange([...value, { key: '', value: '' }])}>
            Add {label.toLowerCase()} entry
          </Button>
        </Group>
      </Stack>
    </Fieldset>
  );
}

export function toKeyValues(record: Record<string, unknown> | null | undefined): KeyValue[] {
  return Object.entries(record ?? {}).map(([key, value]) => ({ key, value: String(value ?? '') }));
}

export function fromKeyValues(rows: KeyValue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of rows) if (row.key.trim() !== '') out[row.key.trim()] = row.value;
  return out;
}
