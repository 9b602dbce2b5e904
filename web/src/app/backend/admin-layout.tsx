import {
  ActionIcon,
  AppShell,
  Box,
  Burger,
  Button,
  Group,
  NavLink,
  ScrollArea,
  Stack,
  Text,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect } from 'react';
import { Outlet, Link as RouterLink, useLocation, useMatch } from 'react-router';
import { useAbout } from '../../lib/branding';
import { useApiQuery } from '../../lib/use-api';

export interface AdminNavItem {
  label: string;
  to: string;
  /** one of `navGroups` (an unknown group is shown after them) */
  group: string;
  /** matches only the exact path (the dashboard) */
  end?: boolean;
}

/** The navigation's groups, in this order. */
export const navGroups = ['API', 'Consumers', 'Events', 'Content', 'System'] as const;

function NavItemLink({ item }: { item: AdminNavItem }) {
  const active = useMatch({ path: item.to, end: item.end ?? false }) !== null;
  return (
    <NavLink
      component={RouterLink}
      to={item.to}
      label={item.label}
      active={active}
      aria-current={active ? 'page' : undefined}
      py={4}
    />
  );
}

function ColorSchemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light');
  const next = computed === 'dark' ? 'light' : 'dark';
  return (
    <ActionIcon variant="default" size="lg" aria-label={`Switch to ${next} mode`} onClick={() => setColorScheme(next)}>
      <span aria-hidden="true">{computed === 'dark' ? '☀' : '☾'}</span>
    </ActionIcon>
  );
}

/** Who is logged in, from /backend/account. */
function AccountName() {
  const account = useApiQuery((client) => client.backend().account().get(), []);
  if (account.state !== 'ready') return null;
  return (
    <Text size="sm" c="dimmed" visibleFrom="md" lineClamp={1}>
      {account.value.name}
    </Text>
  );
}

/** Groups the entries: ungrouped ones first (the dashboard), then the known groups, then any others. */
export function groupNav(items: AdminNavItem[]): { group: string; items: AdminNavItem[] }[] {
  const order = [
    ...navGroups,
    ...new Set(items.map((i) => i.group).filter((g) => g && !navGroups.includes(g as never))),
  ];
  const top = items.filter((i) => !i.group);
  const grouped = order
    .map((group) => ({ group, items: items.filter((i) => i.group === group) }))
    .filter((g) => g.items.length > 0);
  return top.length > 0 ? [{ group: '', items: top }, ...grouped] : grouped;
}

/** The logged-in admin app: header, navigation in groups (a drawer below 768px), the screen. */
export function AdminLayout({ nav }: { nav: AdminNavItem[] }) {
  const { branding } = useAbout();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a link followed on a small screen closes the menu
  useEffect(close, [location.pathname]);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Text component={RouterLink} to="/" fw={700} size="lg" lineClamp={1} c="inherit" td="none">
              {branding.title} · Admin
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <AccountName />
            <Button component={RouterLink} to="/logout" variant="default" size="sm">
              Log out
            </Button>
            <ColorSchemeToggle />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar aria-label="Main">
        <AppShell.Section grow component={ScrollArea} p="xs">
          <Stack gap="xs">
            {groupNav(nav).map(({ group, items }) => (
              <Box key={group || 'top'} component="section" aria-labelledby={group ? `nav-${group}` : undefined}>
                {group ? (
                  <Text
                    id={`nav-${group}`}
                    component="h2"
                    size="xs"
                    fw={700}
                    tt="uppercase"
                    c="dimmed"
                    px="sm"
                    mt={4}
                    mb={2}
                  >
                    {group}
                  </Text>
                ) : null}
                {items.map((item) => (
                  <NavItemLink key={item.to} item={item} />
                ))}
              </Box>
            ))}
          </Stack>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main miw={0}>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
