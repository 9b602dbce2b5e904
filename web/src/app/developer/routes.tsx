import { createBrowserRouter, useParams } from 'react-router';
import { AppLayout, type NavItem } from '../../components/layout/app-layout';
import { SessionActions } from '../../components/layout/session-actions';
import { ActivateScreen } from '../../features/auth/components/activate-screen';
import { LoginCallback } from '../../features/auth/components/login-callback';
import { LoginScreen } from '../../features/auth/components/login-screen';
import { LogoutScreen } from '../../features/auth/components/logout-screen';
import { PasswordConfirmScreen } from '../../features/auth/components/password-confirm';
import { PasswordRequestScreen } from '../../features/auth/components/password-request';
import { RegisterScreen } from '../../features/auth/components/register-screen';
import { RequireLogin } from '../../features/auth/components/require-login';
import { ConsentScreen } from '../../features/consent/components/consent-screen';
import { PageView } from '../../features/pages/components/page-view';
import { appBasename } from '../../lib/runtime';
import { NotFound } from '../not-found';

const nav: NavItem[] = [
  { to: '/', label: 'Home', end: true },
  { to: '/page/getting-started', label: 'Getting started' },
  { to: '/page/authorization', label: 'Authorization' },
  { to: '/page/api', label: 'API' },
  { to: '/page/sdk', label: 'SDK' },
  { to: '/page/support', label: 'Support' },
];

function ContentPage() {
  const { slug = '' } = useParams();
  return <PageView key={slug} slug={slug} />;
}

export function developerRouter() {
  return createBrowserRouter(
    [
      {
        element: <AppLayout nav={nav} actions={<SessionActions />} />,
        children: [
          { index: true, element: <PageView slug="overview" /> },
          { path: 'page/:slug', element: <ContentPage /> },
          { path: 'login', element: <LoginScreen /> },
          { path: 'login/callback', element: <LoginCallback /> },
          { path: 'logout', element: <LogoutScreen /> },
          { path: 'register', element: <RegisterScreen /> },
          { path: 'register/activate/:token', element: <ActivateScreen /> },
          { path: 'password', element: <PasswordRequestScreen /> },
          { path: 'password/confirm/:token', element: <PasswordConfirmScreen /> },
          {
            path: 'authorize',
            element: (
              <RequireLogin>
                <ConsentScreen />
              </RequireLogin>
            ),
          },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
    { basename: appBasename('developer') },
  );
}
