import { Loader } from '@mantine/core';
import { type ComponentType, type LazyExoticComponent, lazy, Suspense } from 'react';
import type { RouteObject } from 'react-router';

// each screen loads its own chunk when opened: the admin app's first screen stays small
const screens = {
  actions: lazy(() => import('./actions/actions-screen')),
  action: lazy(() => import('./actions/action-edit-screen')),
  connections: lazy(() => import('./connections/connections-screen')),
  connection: lazy(() => import('./connections/connection-edit-screen')),
  database: lazy(() => import('./connections/database-screen')),
  schemas: lazy(() => import('./schemas/schemas-screen')),
  schema: lazy(() => import('./schemas/schema-edit-screen')),
  generator: lazy(() => import('./generator/generator-screen')),
  pages: lazy(() => import('./pages/pages-screen')),
  page: lazy(() => import('./pages/page-edit-screen')),
  config: lazy(() => import('./config/config-screen')),
};

function screen(Screen: LazyExoticComponent<ComponentType>) {
  return (
    <Suspense fallback={<Loader aria-label="Loading" />}>
      <Screen />
    </Suspense>
  );
}

/** The admin app's plugin screens (actions and connections from /form, generator, …): routes under the logged-in layout. */
export const pluginRoutes: RouteObject[] = [
  { path: 'actions', element: screen(screens.actions) },
  { path: 'actions/new', element: screen(screens.action) },
  { path: 'actions/:id', element: screen(screens.action) },
  { path: 'connections', element: screen(screens.connections) },
  { path: 'connections/new', element: screen(screens.connection) },
  { path: 'connections/:id', element: screen(screens.connection) },
  { path: 'connections/:id/database', element: screen(screens.database) },
  { path: 'connections/:id/database/:table', element: screen(screens.database) },
  { path: 'schemas', element: screen(screens.schemas) },
  { path: 'schemas/new', element: screen(screens.schema) },
  { path: 'schemas/:id', element: screen(screens.schema) },
  { path: 'generator', element: screen(screens.generator) },
  { path: 'pages', element: screen(screens.pages) },
  { path: 'pages/new', element: screen(screens.page) },
  { path: 'pages/:id', element: screen(screens.page) },
  { path: 'config', element: screen(screens.config) },
];

/** Their navigation entries; `group` is one of the admin app's navigation groups (API, Consumers, Events, Content, System). */
export const pluginNav: { label: string; to: string; group: string }[] = [
  { label: 'Actions', to: '/actions', group: 'API' },
  { label: 'Schemas', to: '/schemas', group: 'API' },
  { label: 'Connections', to: '/connections', group: 'API' },
  { label: 'Generate from a database', to: '/generator', group: 'API' },
  { label: 'Pages', to: '/pages', group: 'Content' },
  { label: 'Configuration', to: '/config', group: 'System' },
];
