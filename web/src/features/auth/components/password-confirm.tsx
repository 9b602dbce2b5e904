import { Alert, Anchor, Button, PasswordInput, Stack } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { AuthCard } from '../../../components/ui/auth-card';
import { type FormProblem, problemOf } from '../../../components/ui/form-helpers';
import { publicClient } from '../../../lib/api-client';

type Field = 'password' | 'confirm';
const fields: Record<Field, RegExp> = { password: /password/i, confirm: /^$/ };

/** The link of the password reset mail: choose the new password. */
export function PasswordConfirmScreen() {
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problem, setProblem] = useState<FormProblem<Field> | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const missing: FormProblem<Field> | null = !password
      ? { field: 'password', message: 'Choose a new password' }
      : password !== confirm
        ? { field: 'confirm', message: 'The passwords do not match' }
        : null;
    setProblem(missing);
    if (missing) return;
    setBusy(true);
    try {
      await publicClient().consumer().account().executePasswordReset({ token, newPassword: password });
      navigate('/login?reset=1', { replace: true });
    } catch (error) {
      const found = problemOf(error, fields);
      // a used or old link is not the password's fault
      setProblem(/token/i.test(found.message) ? { field: null, message: found.message } : found);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard title="Choose a new password">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          {problem && problem.field === null ? (
            <Alert color="red" role="alert">
              {problem.message}.{' '}
              <Anchor component={Link} to="/password">
                Ask for a new link
              </Anchor>
            </Alert>
          ) : null}
          <PasswordInput
            label="New password"
            name="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={problem?.field === 'password' ? problem.message : null}
            required
          />
          <PasswordInput
            label="Repeat the new password"
            name="confirm"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={problem?.field === 'confirm' ? problem.message : null}
            required
          />
          <Button type="submit" loading={busy}>
            Save the password
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
