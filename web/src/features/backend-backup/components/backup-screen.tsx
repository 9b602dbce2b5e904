import { Alert, Button, Code, FileInput, Group, List, Stack, Text, Textarea, Title } from '@mantine/core';
import type { BackendBackupImportResult } from 'fusio-sdk';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';

/** the file in a fixed-width font; the label and description stay as elsewhere */
const mono = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };

/** `portico-2026-12-03.yaml` */
function fileName(): string {
  return `portico-${new Date().toISOString().slice(0, 10)}.yaml`;
}

/** Offers text as a file download without leaving the page. */
function download(text: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

function ExportPanel() {
  const { call } = useSession();
  const [busy, setBusy] = useState(false);
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await call((client) => client.backend().backup().export());
      const exported = answer.export ?? '';
      setText(exported);
      download(exported, fileName());
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack component="section" aria-labelledby="export-title" gap="sm">
      <Title order={2} id="export-title">
        Export
      </Title>
      <Text>
        The whole configuration as one YAML file, in the format <Code>portico export</Code> writes and{' '}
        <Code>portico deploy</Code> applies (docs/configuration-as-code.md). Secret values are never exported.
      </Text>
      <Group>
        <Button onClick={run} loading={busy}>
          Export the configuration
        </Button>
        {text !== null && (
          <Button variant="default" onClick={() => download(text, fileName())}>
            Download again
          </Button>
        )}
      </Group>
      {error && (
        <Alert color="red" role="alert" title="The export failed">
          {error}
        </Alert>
      )}
      {text !== null && (
        <Textarea
          label="Exported configuration"
          value={text}
          readOnly
          autosize
          minRows={6}
          maxRows={20}
          styles={mono}
        />
      )}
    </Stack>
  );
}

function ImportPanel() {
  const { call } = useSession();
  const [text, setText] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<BackendBackupImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const readFile = async (file: File | null) => {
    if (file) setText(await file.text());
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!confirming) {
      setConfirming(true);
      return;
    }
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await call((client) => client.backend().backup().import({ import: text })));
    } catch (e) {
      // the typed file stays in the field: fix the named line and try again
      setError(errorMessage(e));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  return (
    <Stack component="form" onSubmit={submit} aria-labelledby="import-title" gap="sm">
      <Title order={2} id="import-title">
        Import
      </Title>
      <Text>
        Applies a file of the same format: what it names is created or changed, all of it or nothing. A file with an
        error changes nothing and the message names its line.
      </Text>
      <FileInput label="File" accept=".yaml,.yml,.json" onChange={readFile} clearable />
      <Textarea
        label="Configuration"
        description="The file's content; you can also paste or edit it here"
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          setConfirming(false);
        }}
        autosize
        minRows={6}
        maxRows={20}
        styles={mono}
        required
      />
      {confirming && (
        <Alert color="yellow" title="Import this configuration?">
          It changes the running API at once, on every node. Press the button again to import.
        </Alert>
      )}
      <Group>
        <Button type="submit" loading={busy} disabled={text.trim() === ''} color={confirming ? 'red' : undefined}>
          {confirming ? 'Yes, import it' : 'Import'}
        </Button>
        {confirming && (
          <Button variant="default" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
        )}
      </Group>
      {error && (
        <Alert color="red" role="alert" title="Nothing was imported">
          {error}
        </Alert>
      )}
      {result && (
        <Alert color={result.success ? 'green' : 'red'} role="status" title={result.message ?? 'Imported'}>
          {result.logs && result.logs.length > 0 && (
            <List size="sm">
              {result.logs.map((line) => (
                <List.Item key={line}>{line}</List.Item>
              ))}
            </List>
          )}
        </Alert>
      )}
    </Stack>
  );
}

/** Export and import of the whole configuration (`/backend/backup`). */
export function BackupScreen() {
  useDocumentTitle('Import and export');
  return (
    <Stack gap="xl" maw={960}>
      <Title order={1}>Import and export</Title>
      <ExportPanel />
      <ImportPanel />
    </Stack>
  );
}
