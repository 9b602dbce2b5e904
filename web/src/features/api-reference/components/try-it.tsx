import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  PasswordInput,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { apiBaseUrl } from '../../../lib/runtime';
import { useSession } from '../../../lib/session';
import type { Operation } from '../api/openapi';
import { CodeSamples } from './code-samples';

type Credentials = 'session' | 'app' | 'none';

interface Answer {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
}

/** A token for the app's key and secret (client credentials), with the scopes the operation needs. */
async function appToken(key: string, secret: string, scopes: string[]): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scopes.length > 0) body.set('scope', scopes.join(' '));
  const res = await fetch(`${apiBaseUrl()}/authorization/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`${key}:${secret}`)}` },
    body,
  });
  const json = (await res.json().catch(() => ({}))) as {
    access_token?: string;
    error_description?: string;
    error?: string;
  };
  if (!res.ok || !json.access_token) {
    throw new Error(json.error_description ?? json.error ?? `The token endpoint answered ${res.status}`);
  }
  return json.access_token;
}

/** Sends a real request to the operation, as the developer or as one of their apps. */
export function TryIt({ op }: { op: Operation }) {
  const { session } = useSession();
  const parameters = op.operation.parameters ?? [];
  const pathParams = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  const queryParams = parameters.filter((p) => p.in === 'query');
  const hasBody = !!op.operation.requestBody;
  const [values, setValues] = useState<Record<string, string>>({});
  const [body, setBody] = useState('{}');
  const [credentials, setCredentials] = useState<Credentials>(op.isPublic ? 'none' : session ? 'session' : 'app');
  const [appKey, setAppKey] = useState('');
  const [appSecret, setAppSecret] = useState('');
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const url = (() => {
    let path = op.path;
    for (const name of pathParams)
      path = path.replace(`{${name}}`, encodeURIComponent(values[`path:${name}`] || `{${name}}`));
    const query = new URLSearchParams();
    for (const p of queryParams) if (values[`query:${p.name}`]) query.set(p.name, values[`query:${p.name}`] as string);
    const search = query.toString();
    return `${apiBaseUrl()}${path}${search ? `?${search}` : ''}`;
  })();

  async function send(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setAnswer(null);
    const missing = pathParams.find((name) => !values[`path:${name}`]);
    if (missing) {
      setProblem(`Fill in ${missing}`);
      return;
    }
    setBusy(true);
    try {
      let token: string | null = null;
      if (credentials === 'session') token = session?.token ?? null;
      if (credentials === 'app') {
        if (!appKey || !appSecret) throw new Error('Enter the app key and secret');
        token = await appToken(appKey, appSecret, op.scopes);
      }
      const send = async (bearer: string | null) =>
        fetch(url, {
          method: op.method,
          headers: {
            accept: 'application/json',
            ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
            ...(hasBody ? { 'content-type': 'application/json' } : {}),
          },
          body: hasBody ? body : undefined,
        });
      const res = await send(token);
      const text = await res.text();
      let pretty = text;
      try {
        pretty = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // not JSON: shown as it came
      }
      setAnswer({ status: res.status, statusText: res.statusText, headers: [...res.headers.entries()], body: pretty });
    } catch (error) {
      setProblem(error instanceof Error ? error.message : 'The request could not be sent');
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap="sm">
      <form onSubmit={send} noValidate aria-label={`Try ${op.method} ${op.path}`}>
        <Stack gap="sm">
          {!op.isPublic ? (
            <SegmentedControl
              aria-label="Send as"
              value={credentials}
              onChange={(v) => setCredentials(v as Credentials)}
              data={[
                { value: 'session', label: 'Me (my login)', disabled: !session },
                { value: 'app', label: 'An app (key and secret)' },
                { value: 'none', label: 'Nobody' },
              ]}
            />
          ) : (
            <Text size="sm">Public: no token needed.</Text>
          )}
          {credentials === 'app' ? (
            <Group grow align="flex-start">
              <TextInput
                label="App key"
                value={appKey}
                onChange={(e) => setAppKey(e.currentTarget.value)}
                autoComplete="off"
              />
              <PasswordInput
                label="App secret"
                value={appSecret}
                onChange={(e) => setAppSecret(e.currentTarget.value)}
                autoComplete="off"
              />
            </Group>
          ) : null}
          {pathParams.map((name) => (
            <TextInput
              key={name}
              label={name}
              description="path parameter"
              value={values[`path:${name}`] ?? ''}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setValues((v) => ({ ...v, [`path:${name}`]: value }));
              }}
            />
          ))}
          {queryParams.map((p) => (
            <TextInput
              key={p.name}
              label={p.name}
              description={p.description ?? 'query parameter'}
              value={values[`query:${p.name}`] ?? ''}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setValues((v) => ({ ...v, [`query:${p.name}`]: value }));
              }}
            />
          ))}
          {hasBody ? (
            <Textarea
              label="Body (JSON)"
              autosize
              minRows={3}
              value={body}
              onChange={(e) => setBody(e.currentTarget.value)}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            />
          ) : null}
          <Group>
            <Button type="submit" loading={busy}>
              Send request
            </Button>
          </Group>
        </Stack>
      </form>
      {problem ? (
        <Alert color="red" role="alert">
          {problem}
        </Alert>
      ) : null}
      {answer ? (
        <Stack gap={4} role="region" aria-label="Response">
          <Group gap="xs">
            <Text fw={600}>Response</Text>
            <Badge color={answer.status < 400 ? 'teal.9' : 'red.9'} tt="none">
              {answer.status} {answer.statusText}
            </Badge>
          </Group>
          <Code block tabIndex={0}>
            {answer.body || '(empty)'}
          </Code>
        </Stack>
      ) : null}
      <CodeSamples request={{ method: op.method, url, body: hasBody ? body : undefined }} />
    </Stack>
  );
}
