import { Alert, Anchor, Loader, Stack } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { AuthCard } from '../../../components/ui/auth-card';
import { safeReturnPath } from '../../../components/ui/form-helpers';
import { sessionFromTokens, useSession } from '../../../lib/session';
import { returnKey } from './login-screen';

/** The end of a login with an identity provider: Portico puts the tokens in the URL fragment. */
export function LoginCallback() {
  const { begin } = useSession();
  const navigate = useNavigate();
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
    const query = new URLSearchParams(window.location.search);
    // the tokens leave the address bar and the history at once
    window.history.replaceState(null, '', window.location.pathname);
    const token = fragment.get('access_token');
    if (!token) {
      const reason = fragment.get('error_description') ?? query.get('error_description') ?? fragment.get('error');
      setProblem(reason ?? query.get('error') ?? 'The identity provider did not log you in.');
      return;
    }
    const expires = Number(fragment.get('expires_in'));
    begin(
      sessionFromTokens(token, fragment.get('refresh_token') ?? '', Number.isFinite(expires) ? expires : undefined),
    );
    const returnTo = safeReturnPath(sessionStorage.getItem(returnKey));
    sessionStorage.removeItem(returnKey);
    navigate(returnTo, { replace: true });
  }, [begin, navigate]);

  return (
    <AuthCard title="Logging you in">
      {problem ? (
        <Stack>
          <Alert color="red" role="alert" title="The login did not work">
            {problem}
          </Alert>
          <Anchor component={Link} to="/login">
            Back to log in
          </Anchor>
        </Stack>
      ) : (
        <Loader aria-label="Logging you in" />
      )}
    </AuthCard>
  );
}
