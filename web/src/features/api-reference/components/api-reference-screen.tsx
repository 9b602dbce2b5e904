import { Accordion, Alert, Anchor, Badge, Group, Loader, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useDocumentTitle } from '../../../lib/branding';
import { apiBaseUrl } from '../../../lib/runtime';
import { operationsOf, useOpenApi } from '../api/openapi';
import { TryIt } from './try-it';

// shade 9 keeps the badges' white text at 4.5:1
const methodColors: Record<string, string> = {
  GET: 'blue.9',
  POST: 'teal.9',
  PUT: 'violet.9',
  PATCH: 'grape.9',
  DELETE: 'red.9',
};

/** Every operation of the API from /system/openapi: searchable, each with try-it and code samples. */
export default function ApiReferenceScreen() {
  useDocumentTitle('API reference');
  const openapi = useOpenApi();
  const [search, setSearch] = useState('');
  const operations = useMemo(() => (openapi.state === 'ready' ? operationsOf(openapi.doc) : []), [openapi]);
  const shown = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    return operations.filter((op) => {
      const text =
        `${op.method} ${op.path} ${op.operation.operationId ?? ''} ${op.operation.summary ?? ''} ${op.tag}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
  }, [operations, search]);

  if (openapi.state === 'loading') return <Loader aria-label="Loading the API description" />;
  if (openapi.state === 'error') {
    return (
      <Alert color="red" role="alert" title="The API description could not be loaded">
        {openapi.message}
      </Alert>
    );
  }
  return (
    <Stack>
      <Title order={1}>API reference</Title>
      <Text>
        {operations.length === 1 ? 'One operation' : `${operations.length} operations`}, from the{' '}
        <Anchor href={`${apiBaseUrl()}/system/openapi`}>OpenAPI document</Anchor>. Try each with your own login or an
        app's key and secret.
      </Text>
      <TextInput
        label="Search operations"
        placeholder="path, name or description"
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        type="search"
      />
      {shown.length === 0 ? <Text>No operation matches.</Text> : null}
      {/* no height animation: a panel grows when its response arrives, and a fixed height would clip it */}
      <Accordion variant="separated" chevronPosition="left" transitionDuration={0}>
        {shown.map((op) => (
          <Accordion.Item key={op.key} value={op.key.replace(/[^A-Za-z0-9_-]/g, '_')}>
            <Accordion.Control>
              <Group gap="sm" wrap="nowrap">
                <Badge color={methodColors[op.method] ?? 'gray.9'} w={72} style={{ flexShrink: 0 }}>
                  {op.method}
                </Badge>
                <Text ff="monospace" size="sm" style={{ wordBreak: 'break-all' }}>
                  {op.path}
                </Text>
                <Text size="sm" c="dimmed" visibleFrom="sm" lineClamp={1}>
                  {op.operation.summary}
                </Text>
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              <Stack gap="sm">
                {op.operation.description ? <Text>{op.operation.description}</Text> : null}
                <Text size="sm">
                  {op.isPublic ? 'Public.' : `Needs a token with the scope ${op.scopes.join(' or ')}.`}
                  {op.operation.operationId ? ` Operation id: ${op.operation.operationId}.` : ''}
                </Text>
                <TryIt op={op} />
              </Stack>
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </Stack>
  );
}
