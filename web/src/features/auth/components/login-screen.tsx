import { Alert, Anchor, Button, Divider, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { AuthCard } from '../../../components/ui/auth-card';
import { type FormProblem, problemOf, safeReturnPath } from '../../../components/ui/form-helpers';
import { publicClient } from '../../../lib/api-client';
import { useAbout } from '../../../lib/branding';
import { appUrl } from '../../../lib/runtime';
import { sessionFromJwt, useSession } from '../../../lib/session';
import { useIdentities } from '../api/identities';

type Field = 'username' | 'password';
const fields: Record<Field, RegExp> = { username: /user ?name|\bname\b/i, password: /password/i };

/** Where a login with an identity provider goes back to: kept while the browser visits the provider. */
export const returnKey = 'portico.login.return';

export function LoginScreen({ app = 'developer' }: { app?: 'developer' | 'account' }) {
  const { session, begin, ended } = useSession();
  const { branding } = useAbout();
  const identities = useIdentities();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const returnTo = safeReturnPath(params.get('return'));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<FormProblem<Field> | null>(null);
  const [busy, setBusy] = useState(false);

  if (session && !busy) return <Navigate to={returnTo} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const missing: FormProblem<Field> | null = !username.trim()
      ? { field: 'username', message: 'Enter your user name or email' }
      : !password
        ? { field: 'password', message: 'Enter your password' }
        : null;
    setProblem(missing);
    if (missing) return;
    setBusy(true);
    try {
      const jwt = await publicClient().consumer().account().login({ username: username.trim(), password });
      begin(sessionFromJwt(jwt));
      navigate(returnTo, { replace: true });
    } catch (error) {
      const found = problemOf(error, fields);
      // "Invalid name or password" is about both: shown on the form, the password cleared of nothing
      setProblem(/invalid name or password/i.test(found.message) ? { field: null, message: found.message } : found);
    } finally {
      setBusy(false);
    }
  }

  const callback = appUrl(app, '/login/callback');
  const providerHref = (redirect: string) =>
    `${redirect}${redirect.includes('?') ? '&' : '?'}redirect_uri=${encodeURIComponent(callback)}`;

  return (
    <AuthCard title="Log in">
      {ended === 'expired' ? (
        <Alert color="yellow" role="status">
          Your session has ended. Please log in again.
        </Alert>
      ) : null}
      {params.get('activated') ? (
        <Alert color="green" role="status">
          Your account is active. Log in to start.
        </Alert>
      ) : null}
      {params.get('reset') ? (
        <Alert color="green" role="status">
          Your password was changed. Log in with the new one.
        </Alert>
      ) : null}
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          {problem && problem.field === null ? (
            <Alert color="red" role="alert">
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
          <Group justify="space-between">
            <Anchor component={Link} to="/password" size="sm">
              Forgot your password?
            </Anchor>
            <Button type="submit" loading={busy}>
              Log in
            </Button>
          </Group>
        </Stack>
      </form>
      {identities.length > 0 ? (
        <>
          <Divider label="or" labelPosition="center" />
          <Stack gap="xs">
            {identities.map((identity) => (
              <Button
                key={identity.id}
                component="a"
                variant="default"
                href={providerHref(identity.redirect ?? '')}
                onClick={() => sessionStorage.setItem(returnKey, returnTo)}
              >
                Log in with {identity.name}
              </Button>
            ))}
          </Stack>
        </>
      ) : null}
      {branding.registration ? (
        <Text size="sm">
          New here?{' '}
          <Anchor component={Link} to="/register">
            Create an account
          </Anchor>
        </Text>
      ) : null}
    </AuthCard>
  );
}
