import { Alert, Anchor, Button, Loader, Stack } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { AuthCard } from '../../../components/ui/auth-card';
import { errorMessage, publicClient } from '../../../lib/api-client';

/** The link of the activation mail: activates the account once, then offers to log in. */
export function ActivateScreen() {
  const { token = '' } = useParams();
  const [state, setState] = useState<{ kind: 'busy' } | { kind: 'done' } | { kind: 'failed'; message: string }>({
    kind: 'busy',
  });
  const started = useRef(false);

  useEffect(() => {
    // a token works once: never sent twice (React's development double effects included)
    if (started.current) return;
    started.current = true;
    publicClient()
      .consumer()
      .account()
      .activate({ token })
      .then(() => setState({ kind: 'done' }))
      .catch((error) => setState({ kind: 'failed', message: errorMessage(error) }));
  }, [token]);

  return (
    <AuthCard title="Activate your account">
      {state.kind === 'busy' ? <Loader aria-label="Activating" /> : null}
      {state.kind === 'done' ? (
        <Stack>
          <Alert color="green" role="status">
            Your account is active.
          </Alert>
          <Button component={Link} to="/login?activated=1">
            Log in
          </Button>
        </Stack>
      ) : null}
      {state.kind === 'failed' ? (
        <Stack>
          <Alert color="red" role="alert" title="The account could not be activated">
            {state.message.replace(/\.$/, '')}. The link may have been used already or be too old.
          </Alert>
          <Anchor component={Link} to="/login">
            Try to log in
          </Anchor>
        </Stack>
      ) : null}
    </AuthCard>
  );
}
