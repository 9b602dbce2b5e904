import { Alert, Anchor, Stack } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { AuthCard } from '../../../components/ui/auth-card';
import { useSession } from '../../../lib/session';

/** Ends the session here and on the server (the token is revoked). */
export function LogoutScreen() {
  const { logout } = useSession();
  const done = useRef(false);
  useEffect(() => {
    if (done.current) return;
    done.current = true;
    void logout();
  }, [logout]);
  return (
    <AuthCard title="Logged out">
      <Stack>
        <Alert color="blue" role="status">
          You are logged out.
        </Alert>
        <Anchor component={Link} to="/login">
          Log in again
        </Anchor>
      </Stack>
    </AuthCard>
  );
}
