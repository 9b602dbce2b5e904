import { Button, Group } from '@mantine/core';
import { Link } from 'react-router';
import { useAbout } from '../../lib/branding';
import { useSession } from '../../lib/session';

/** The header's account buttons: log in and register, or log out. */
export function SessionActions() {
  const { session } = useSession();
  const { branding } = useAbout();
  if (session) {
    return (
      <Button component={Link} to="/logout" variant="default" size="sm">
        Log out
      </Button>
    );
  }
  return (
    <Group gap="xs" wrap="nowrap">
      <Button component={Link} to="/login" variant="default" size="sm">
        Log in
      </Button>
      {branding.registration ? (
        <Button component={Link} to="/register" size="sm" visibleFrom="xs">
          Register
        </Button>
      ) : null}
    </Group>
  );
}
