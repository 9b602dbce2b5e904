import { Stack, Text, Title } from '@mantine/core';
import { createBrowserRouter } from 'react-router';
import { AppLayout, type NavItem } from '../../components/layout/app-layout';
import { useAbout, useDocumentTitle } from '../../lib/branding';
import { appBasename } from '../../lib/runtime';
import { NotFound } from '../not-found';

const nav: NavItem[] = [{ to: '/', label: 'Account', end: true }];

function AccountHome() {
  const { branding } = useAbout();
  useDocumentTitle('Your account');
  return (
    <Stack>
      <Title order={1}>Your account</Title>
      <Text>Manage your {branding.title} account and the apps that use it.</Text>
    </Stack>
  );
}

export function accountRouter() {
  return createBrowserRouter(
    [
      {
        element: <AppLayout nav={nav} />,
        children: [
          { index: true, element: <AccountHome /> },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
    { basename: appBasename('account') },
  );
}
