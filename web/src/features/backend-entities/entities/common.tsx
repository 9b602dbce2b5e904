import { Badge, Code, Group, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { FieldSpec } from '../components/entity-form';
import type { EntityDefinition } from '../components/entity-screens';
import { fromKeyValues, type KeyValue, toKeyValues } from '../components/key-value-input';

/** Keeps the row type of a definition while checking it. */
export const defineEntity = <T,>(def: EntityDefinition<T>): EntityDefinition<T> => def;

export const metadataField: FieldSpec = {
  kind: 'keyvalue',
  name: 'metadata',
  label: 'Metadata',
  description: 'Free key-value pairs for your own tools',
  match: /metadata/i,
};

export const metadataValue = (metadata: Record<string, unknown> | undefined) => toKeyValues(metadata);
export const metadataBody = (value: unknown) => fromKeyValues(Array.isArray(value) ? (value as KeyValue[]) : []);

export function Mono({ children }: { children: ReactNode }) {
  return (
    <Text span ff="monospace" size="sm">
      {children}
    </Text>
  );
}

export function Tags({ values, max = 4 }: { values: readonly string[] | undefined; max?: number }) {
  const list = values ?? [];
  if (list.length === 0)
    return (
      <Text span c="dimmed" size="sm">
        none
      </Text>
    );
  return (
    <Group gap={4}>
      {list.slice(0, max).map((v) => (
        <Badge key={v} variant="light" tt="none">
          {v}
        </Badge>
      ))}
      {list.length > max ? (
        <Text span size="sm">
          +{list.length - max}
        </Text>
      ) : null}
    </Group>
  );
}

export function YesNo({ value }: { value: boolean | undefined }) {
  return (
    <Text span size="sm">
      {value ? 'yes' : 'no'}
    </Text>
  );
}

export function When({ date }: { date: string | undefined }) {
  if (!date)
    return (
      <Text span c="dimmed" size="sm">
        never
      </Text>
    );
  const parsed = new Date(date);
  return (
    <Text span size="sm" title={date}>
      {Number.isNaN(parsed.getTime()) ? date : parsed.toLocaleString()}
    </Text>
  );
}

export const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

export { Code };
