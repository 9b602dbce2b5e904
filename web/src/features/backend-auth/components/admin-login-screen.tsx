import { Alert, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { AuthCard } from '../../../components/ui/auth-card';
import { safeReturnPath } from '../../../components/ui/form-helpers';
import { useSession } from '../../../lib/session';
import { AdminLoginError, adminLogin } from '../api/admin-login';

type Field = 'username' | 'password';

/** The administrator's login: the same name (or email) and password as the CLI and the SDK. */
export function AdminLoginScreen() {
  const { session, begin, ended } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const returnTo = safeReturnPath(params.get('return'));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<{ field: Field | null; message: string; notAdmin?: boolean } | null>(null);
  const [busy, setBusy] = useState(false);

  if (session && !busy) return <Navigate to={returnTo} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const missing = !username.trim()
      ? { field: 'username' as const, message: 'Enter your user name or email' }
      : !password
        ? { field: 'password' as const, message: 'Enter your password' }
        : null;
    setProblem(missing);
    if (missing) return;
    setBusy(true);
    try {
      begin(await adminLogin(username.trim(), password));
      navigate(returnTo, { replace: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : 'The login failed. Please try again.';
      setProblem({ field: null, message, notAdmin: error instanceof AdminLoginError && error.kind === 'not-admin' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard title="Log in to the admin app">
      {ended === 'expired' ? (
        <Alert color="yellow" role="status">
          Your session has ended. Please log in again.
        </Alert>
      ) : null}
      {ended === 'logout' ? (
        <Alert color="blue" role="status">
          You are logged out.
        </Alert>
      ) : null}
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          {problem && problem.field === null ? (
            <Alert color="red" role="alert" title={problem.notAdmin ? 'Not an administrator' : undefined}>
              {problem.message}
            </Alert>
          ) : null}
          <TextInput
            label="User name or email"
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.currentTarget.value)}
            error={problem?.field === 'username' ? problem.message : null}
            required
          />
          <PasswordInput
            label="Password"
            name="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={problem?.field === 'password' ? problem.message : null}
            required
          />
          <Button type="submit" loading={busy}>
            Log in
          </Button>
        </Stack>
      </form>
      <Text size="sm" c="dimmed">
        The administrator's account from the first start (or <code>portico user add</code>).
      </Text>
    </AuthCard>
  );
}
