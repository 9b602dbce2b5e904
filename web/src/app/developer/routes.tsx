import { lazy, type ReactNode, Suspense } from 'react';
import { createBrowserRouter, useParams } from 'react-router';
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
import { ConsentScreen } from '../../features/consent/components/consent-screen';
import { FormScreen } from '../../features/forms/components/form-screen';
import { FormsScreen } from '../../features/forms/components/forms-screen';
import { GrantsScreen } from '../../features/grants/components/grants-screen';
import { PageView } from '../../features/pages/components/page-view';
import { PlansScreen } from '../../features/plans/components/plans-screen';
import { SdkScreen } from '../../features/sdk/components/sdk-screen';
import { TokensScreen } from '../../features/tokens/components/tokens-screen';
import { WebhookScreen } from '../../features/webhooks/components/webhook-screen';
import { WebhooksScreen } from '../../features/webhooks/components/webhooks-screen';
import { appBasename } from '../../lib/runtime';
import { useSession } from '../../lib/session';
import { NotFound } from '../not-found';

// the reference is big and not on the first screen: its code loads when it is opened
const ApiReferenceScreen = lazy(() => import('../../features/api-reference/components/api-reference-screen'));
const UsageScreen = lazy(() => import('../../features/usage/components/usage-screen'));

const docs: NavItem[] = [
  { to: '/', label: 'Home', end: true },
  { to: '/page/getting-started', label: 'Getting started' },
  { to: '/page/authorization', label: 'Authorization' },
  { to: '/page/api', label: 'API' },
  { to: '/reference', label: 'API reference' },
  { to: '/sdk', label: 'SDK' },
  { to: '/forms', label: 'Forms' },
  { to: '/page/support', label: 'Support' },
  { to: '/page/terms', label: 'Terms of use' },
];

const mine: NavItem[] = [
  { to: '/apps', label: 'Apps' },
  { to: '/tokens', label: 'Tokens' },
  { to: '/usage', label: 'Usage' },
  { to: '/webhooks', label: 'Webhooks' },
  { to: '/plans', label: 'Plans' },
  { to: '/grants', label: 'Grants' },
  { to: '/account', label: 'Account' },
];

/** The documentation for everyone; the developer's own things once logged in. */
function DeveloperLayout() {
  const { session } = useSession();
  return <AppLayout nav={session ? [...docs, ...mine] : docs} actions={<SessionActions />} />;
}

function ContentPage() {
  const { slug = '' } = useParams();
  return <PageView key={slug} slug={slug} />;
}

const private_ = (element: ReactNode) => <RequireLogin>{element}</RequireLogin>;

export function developerRouter() {
  return createBrowserRouter(
    [
      {
        element: <DeveloperLayout />,
        children: [
          { index: true, element: <PageView slug="overview" /> },
          { path: 'page/:slug', element: <ContentPage /> },
          {
            path: 'reference',
            element: (
              <Suspense fallback={null}>
                <ApiReferenceScreen />
              </Suspense>
            ),
          },
          { path: 'sdk', element: <SdkScreen /> },
          { path: 'forms', element: <FormsScreen /> },
          { path: 'forms/:formId', element: <FormScreen /> },
          { path: 'login', element: <LoginScreen /> },
          { path: 'login/callback', element: <LoginCallback /> },
          { path: 'logout', element: <LogoutScreen /> },
          { path: 'register', element: <RegisterScreen /> },
          { path: 'register/activate/:token', element: <ActivateScreen /> },
          { path: 'password', element: <PasswordRequestScreen /> },
          { path: 'password/confirm/:token', element: <PasswordConfirmScreen /> },
          { path: 'authorize', element: private_(<ConsentScreen />) },
          { path: 'apps', element: private_(<AppsScreen />) },
          { path: 'apps/new', element: private_(<AppCreateScreen />) },
          { path: 'apps/:appId', element: private_(<AppEditScreen />) },
          { path: 'tokens', element: private_(<TokensScreen />) },
          { path: 'grants', element: private_(<GrantsScreen />) },
          { path: 'webhooks', element: private_(<WebhooksScreen />) },
          { path: 'plans', element: private_(<PlansScreen />) },
          { path: 'webhooks/:webhookId', element: private_(<WebhookScreen />) },
          {
            path: 'usage',
            element: private_(
              <Suspense fallback={null}>
                <UsageScreen />
              </Suspense>,
            ),
          },
          { path: 'account', element: private_(<AccountScreen />) },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
    { basename: appBasename('developer') },
  );
}
