import { createBrowserRouter, useParams } from 'react-router';
import { AppLayout, type NavItem } from '../../components/layout/app-layout';
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
        element: <AppLayout nav={nav} />,
        children: [
          { index: true, element: <PageView slug="overview" /> },
          { path: 'page/:slug', element: <ContentPage /> },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
    { basename: appBasename('developer') },
  );
}
