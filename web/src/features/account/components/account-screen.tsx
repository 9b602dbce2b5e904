import { Alert, Button, Group, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { type FormProblem, problemOf } from '../../../components/ui/form-helpers';
import { QueryView } from '../../../components/ui/query-view';
import { useDocumentTitle } from '../../../lib/branding';
import { useSession } from '../../../lib/session';
import { useApiQuery } from '../../../lib/use-api';

type Field = 'oldPassword' | 'newPassword' | 'verifyPassword';
const fields: Record<Field, RegExp> = {
  oldPassword: /old password/i,
  verifyPassword: /verify/i,
  newPassword: /password/i,
};

function ChangePassword() {
  const { call } = useSession();
  const [values, setValues] = useState({ oldPassword: '', newPassword: '', verifyPassword: '' });
  const [problem, setProblem] = useState<FormProblem<Field> | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const set = (field: Field) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [field]: value }));
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    const missing: FormProblem<Field> | null = !values.oldPassword
      ? { field: 'oldPassword', message: 'Enter your current password' }
      : !values.newPassword
        ? { field: 'newPassword', message: 'Choose a new password' }
        : values.newPassword !== values.verifyPassword
          ? { field: 'verifyPassword', message: 'The passwords do not match' }
          : null;
    setProblem(missing);
    if (missing) return;
    setBusy(true);
    try {
      await call((client) => client.consumer().account().changePassword(values));
      setValues({ oldPassword: '', newPassword: '', verifyPassword: '' });
      setDone(true);
    } catch (error) {
      setProblem(problemOf(error, fields));
    } finally {
      setBusy(false);
    }
  }
  const errorOf = (field: Field) => (problem?.field === field ? problem.message : null);
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm" maw={480}>
        <Title order={2}>Change your password</Title>
        {done ? (
          <Alert color="green" role="status">
            Your password was changed.
          </Alert>
        ) : null}
        {problem && problem.field === null ? (
          <Alert color="red" role="alert">
            {problem.message}
          </Alert>
        ) : null}
        <PasswordInput
          label="Current password"
          autoComplete="current-password"
          value={values.oldPassword}
          onChange={set('oldPassword')}
          error={errorOf('oldPassword')}
          required
        />
        <PasswordInput
          label="New password"
          autoComplete="new-password"
          value={values.newPassword}
          onChange={set('newPassword')}
          error={errorOf('newPassword')}
          required
        />
        <PasswordInput
          label="Repeat the new password"
          autoComplete="new-password"
          value={values.verifyPassword}
          onChange={set('verifyPassword')}
          error={errorOf('verifyPassword')}
          required
        />
        <Group>
          <Button type="submit" loading={busy}>
            Change password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The developer's profile and password. */
export function AccountScreen() {
  useDocumentTitle('Account');
  const account = useApiQuery((client) => client.consumer().account().get(), []);
  return (
    <Stack gap="xl">
      <QueryView query={account}>
        {(value) => (
          <Stack gap="sm" maw={480}>
            <Title order={1}>Your account</Title>
            <TextInput label="User name" value={value.name ?? ''} readOnly />
            <TextInput label="Email" value={value.email ?? ''} readOnly />
            {value.points !== undefined ? <Text size="sm">Points: {value.points}</Text> : null}
            <Text size="sm">Scopes you hold: {(value.scopes ?? []).join(', ') || 'none'}</Text>
          </Stack>
        )}
      </QueryView>
      <ChangePassword />
    </Stack>
  );
}
