import { Button, type ButtonProps, Group, Modal, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';

/** A destructive action behind a confirmation dialog that names what will happen. */
export function ConfirmButton({
  label,
  title,
  message,
  confirmLabel,
  onConfirm,
  ...button
}: ButtonProps & {
  label: string;
  title: string;
  message: string;
  confirmLabel: string;
  onConfirm(): Promise<void>;
}) {
  const [opened, { open, close }] = useDisclosure(false);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <Button color="red" variant="light" onClick={open} {...button}>
        {label}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered closeButtonProps={{ 'aria-label': 'Close' }}>
        <Text mb="md">{message}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={close} disabled={busy}>
            Cancel
          </Button>
          <Button
            // red.9 keeps white text readable (4.5:1)
            color="red.9"
            loading={busy}
            onClick={async () => {
              setBusy(true);
              try {
                await onConfirm();
                close();
              } finally {
                setBusy(false);
              }
            }}
          >
            {confirmLabel}
          </Button>
        </Group>
      </Modal>
    </>
  );
}
