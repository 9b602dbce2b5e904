import {
  ActionIcon,
  Anchor,
  AppShell,
  Box,
  Burger,
  Group,
  Image,
  NavLink,
  Stack,
  Text,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { type ReactNode, useEffect } from 'react';
import { Outlet, Link as RouterLink, useLocation, useMatch } from 'react-router';
import { useAbout } from '../../lib/branding';
import classes from './app-layout.module.css';

export interface NavItem {
  to: string;
  label: string;
  /** matches only the exact path (the home link) */
  end?: boolean;
}

function NavItemLink({ item }: { item: NavItem }) {
  const active = useMatch({ path: item.to, end: item.end ?? false }) !== null;
  return <NavLink component={RouterLink} to={item.to} label={item.label} active={active} />;
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

/** Header with the company's logo and title, navigation (a drawer on a phone), footer links. */
export function AppLayout({ nav, actions }: { nav: NavItem[]; actions?: ReactNode }) {
  const { branding } = useAbout();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  // a link followed on a phone closes the menu
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation
  useEffect(close, [location.pathname]);

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Anchor component={RouterLink} to="/" underline="never" c="inherit">
              <Group gap="xs" wrap="nowrap">
                {branding.logoUrl ? <Image src={branding.logoUrl} alt="" h={32} w="auto" /> : null}
                <Text fw={700} size="lg" lineClamp={1}>
                  {branding.title}
                </Text>
              </Group>
            </Anchor>
          </Group>
          <Group gap="xs" wrap="nowrap">
            {actions}
            <ColorSchemeToggle />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <Stack gap={2}>
          {nav.map((item) => (
            <NavItemLink key={item.to} item={item} />
          ))}
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main style={{ display: 'flex', flexDirection: 'column' }}>
        <Box style={{ flex: 1 }}>
          <Outlet />
        </Box>
        <Group component="footer" mt="xl" pt="md" gap="md" className={classes.footer}>
          <Group gap="md" component="nav" aria-label="Footer">
            {branding.footerLinks.map((link) => (
              <Anchor key={`${link.label}-${link.url}`} href={link.url} size="sm" rel="noopener noreferrer">
                {link.label}
              </Anchor>
            ))}
          </Group>
          <Text size="sm" c="dimmed" ml="auto">
            {branding.title}
          </Text>
        </Group>
      </AppShell.Main>
    </AppShell>
  );
}
