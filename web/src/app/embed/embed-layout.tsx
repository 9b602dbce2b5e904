import { Box, Group, Tabs } from '@mantine/core';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { SessionActions } from '../../components/layout/session-actions';
import { useSession } from '../../lib/session';

const tabs = [
  { value: '/', label: 'Account' },
  { value: '/apps', label: 'Apps' },
  { value: '/tokens', label: 'Tokens' },
];

/** The account app inside another site's page: no page header of its own, tabs instead of a sidebar. */
export function EmbedLayout() {
  const { session } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const current = tabs.find((t) => t.value !== '/' && location.pathname.startsWith(t.value))?.value ?? '/';
  return (
    <Box p="md">
      <Group justify="space-between" mb="md" wrap="wrap">
        {session ? (
          <Tabs value={current} onChange={(value) => value && navigate(value)}>
            <Tabs.List aria-label="Account sections">
              {tabs.map((t) => (
                <Tabs.Tab key={t.value} value={t.value}>
                  {t.label}
                </Tabs.Tab>
              ))}
            </Tabs.List>
          </Tabs>
        ) : (
          <span />
        )}
        <SessionActions />
      </Group>
      <Outlet />
    </Box>
  );
}
