import type { ReactNode } from 'react';
import { createBrowserRouter } from 'react-router';
import { AppLayout, type NavItem } from '../../components/layout/app-layout';
import { SessionActions } from '../../components/layout/session-actions';
import { AccountScreen } from '../../features/account/components/account-screen';
import { AppCreateScreen } from '../../features/apps/components/app-create-screen';
import { AppEditScreen } from '../../features/apps/components/app-edit-screen';
import { AppsScreen } from '../../features/apps/components/apps-screen';
import { ActivateScreen } from '../../features/auth/components/activate-screen';
import { LoginCallback } from '../../features/auth/components/login-callback';
import { LoginScreen } from '../../features/auth/components/login-screen';
import { LogoutScreen } from '../../features/auth/components/logout-screen';
import { PasswordConfirmScreen } from '../../features/auth/components/password-confirm';
import { PasswordRequestScreen } from '../../features/auth/components/password-request';
import { RegisterScreen } from '../../features/auth/components/register-screen';
import { RequireLogin } from '../../features/auth/components/require-login';
import { TokensScreen } from '../../features/tokens/components/tokens-screen';
import { appBasename } from '../../lib/runtime';
import { NotFound } from '../not-found';

const nav: NavItem[] = [
  { to: '/', label: 'Account', end: true },
  { to: '/apps', label: 'Apps' },
  { to: '/tokens', label: 'Tokens' },
];

const private_ = (element: ReactNode) => <RequireLogin>{element}</RequireLogin>;

/** The user-management part of the portal only: account, apps, tokens and the ways in. */
export function accountRouter() {
  return createBrowserRouter(
    [
      {
        element: <AppLayout nav={nav} actions={<SessionActions />} />,
        children: [
          { index: true, element: private_(<AccountScreen />) },
          { path: 'login', element: <LoginScreen app="account" /> },
          { path: 'login/callback', element: <LoginCallback /> },
          { path: 'logout', element: <LogoutScreen /> },
          { path: 'register', element: <RegisterScreen /> },
          { path: 'register/activate/:token', element: <ActivateScreen /> },
          { path: 'password', element: <PasswordRequestScreen /> },
          { path: 'password/confirm/:token', element: <PasswordConfirmScreen /> },
          { path: 'apps', element: private_(<AppsScreen />) },
          { path: 'apps/new', element: private_(<AppCreateScreen />) },
          { path: 'apps/:appId', element: private_(<AppEditScreen />) },
          { path: 'tokens', element: private_(<TokensScreen />) },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
    { basename: appBasename('account') },
  );
}
