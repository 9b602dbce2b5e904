import { Alert, Button, type ButtonProps, Group, List, Loader, Modal, Stack, Text } from '@mantine/core';
import { Client } from 'fusio-sdk';
import { type ReactNode, useEffect, useState } from 'react';
import { HttpBearer } from 'sdkgen-client';
import { errorMessage } from '../../../lib/api-client';
import { apiBaseUrl } from '../../../lib/runtime';
import { useSession } from '../../../lib/session';

/**
 * Delete after a confirmation that names the thing and what depends on it, as far as the API can tell
 * (`dependents`, loaded when the dialog opens). A refusal of the API (a plan that users are on) stays in
 * the dialog; nothing is deleted until the operator confirms.
 */
export function ConfirmDelete({
  what,
  name,
  dependents,
  consequence,
  onDelete,
  onDeleted,
  label = 'Delete',
  ...button
}: Omit<ButtonProps, 'children'> & {
  /** what it is, in words: "scope", "operation" */
  what: string;
  name: string;
  /**
   * lines such as "3 operations need this scope" (none: nothing depends on it); the token is there for
   * the API's filters fusio-sdk does not know
   */
  dependents?: (client: Client, token: string) => Promise<string[]>;
  /** what deleting does besides, in one sentence */
  consequence?: ReactNode;
  onDelete(client: Client): Promise<unknown>;
  onDeleted(): void;
  label?: string;
}) {
  const { call, callWithToken } = useSession();
  const [opened, setOpened] = useState(false);
  const [found, setFound] = useState<
    { state: 'loading' } | { state: 'ready'; lines: string[] } | { state: 'error'; message: string }
  >({ state: 'loading' });
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<string | null>(null);

  useEffect(() => {
    if (!opened) return;
    setRefused(null);
    if (!dependents) return setFound({ state: 'ready', lines: [] });
    let live = true;
    setFound({ state: 'loading' });
    callWithToken((token) => dependents(new Client(apiBaseUrl(), new HttpBearer(token)), token))
      .then((lines) => live && setFound({ state: 'ready', lines }))
      .catch((error) => live && setFound({ state: 'error', message: errorMessage(error) }));
    return () => {
      live = false;
    };
  }, [opened, dependents, callWithToken]);

  async function confirm() {
    setBusy(true);
    setRefused(null);
    try {
      await call(onDelete);
      setOpened(false);
      onDeleted();
    } catch (error) {
      setRefused(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  const title = `Delete ${what} “${name}”?`;
  return (
    <>
      <Button color="red" variant="light" onClick={() => setOpened(true)} {...button}>
        {label}
      </Button>
      <Modal
        opened={opened}
        onClose={() => !busy && setOpened(false)}
        title={title}
        centered
        closeButtonProps={{ 'aria-label': 'Close' }}
      >
        <Stack gap="sm">
          {found.state === 'loading' ? (
            <Group gap="xs">
              <Loader size="xs" aria-label="Looking for what depends on it" />
              <Text size="sm">Looking for what depends on it…</Text>
            </Group>
          ) : found.state === 'error' ? (
            <Alert color="yellow" title="What depends on it could not be checked">
              {found.message}
            </Alert>
          ) : found.lines.length > 0 ? (
            <Alert color="yellow" title="These depend on it">
              <List size="sm">
                {found.lines.map((line) => (
                  <List.Item key={line}>{line}</List.Item>
                ))}
              </List>
            </Alert>
          ) : (
            <Text size="sm">Nothing else refers to it.</Text>
          )}
          {consequence ? <Text size="sm">{consequence}</Text> : null}
          <Text size="sm">This cannot be undone.</Text>
          {refused ? (
            <Alert color="red" role="alert" title="Not deleted">
              {refused}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpened(false)} disabled={busy}>
              Cancel
            </Button>
            {/* red.9 keeps white text readable (4.5:1) */}
            <Button color="red.9" loading={busy} onClick={confirm}>
              Delete {what}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
