import { Box } from '@mantine/core';
import { createBrowserRouter, Outlet, type RouteObject } from 'react-router';
import { LogoutScreen } from '../../features/auth/components/logout-screen';
import { AuditScreen } from '../../features/backend-audit/components/audit-screen';
import { AdminLoginScreen } from '../../features/backend-auth/components/admin-login-screen';
import { RequireAdmin } from '../../features/backend-auth/components/require-admin';
import { BackupScreen } from '../../features/backend-backup/components/backup-screen';
import { ConsoleScreen } from '../../features/backend-console/components/console-screen';
import { DashboardScreen } from '../../features/backend-dashboard/components/dashboard-screen';
import { entityNav, entityRoutes } from '../../features/backend-entities';
import { LogsScreen } from '../../features/backend-logs/components/logs-screen';
import { pluginNav, pluginRoutes } from '../../features/backend-plugins';
import { ReleasesScreen } from '../../features/backend-releases/components/releases-screen';
import { appBasename } from '../../lib/runtime';
import { NotFound } from '../not-found';
import { AdminLayout, type AdminNavItem } from './admin-layout';

/** The admin app's own screens; the entity and plugin screens bring their own entries. */
const coreNav: AdminNavItem[] = [
  { to: '/', label: 'Dashboard', group: '', end: true },
  { to: '/logs', label: 'Logs', group: 'System' },
  { to: '/audit', label: 'Audit trail', group: 'System' },
  { to: '/console', label: 'Console', group: 'System' },
  { to: '/backup', label: 'Import and export', group: 'System' },
  { to: '/releases', label: 'Releases', group: 'API' },
];

const nav: AdminNavItem[] = [...coreNav, ...entityNav, ...pluginNav];

const coreRoutes: RouteObject[] = [
  { index: true, element: <DashboardScreen /> },
  { path: 'logs', element: <LogsScreen /> },
  { path: 'logs/:logId', element: <LogsScreen /> },
  { path: 'audit', element: <AuditScreen /> },
  { path: 'audit/:auditId', element: <AuditScreen /> },
  { path: 'console', element: <ConsoleScreen /> },
  { path: 'backup', element: <BackupScreen /> },
  { path: 'releases', element: <ReleasesScreen /> },
];

/** The login and logout pages stand alone, without the navigation. */
function Bare() {
  return (
    <Box component="main" p="md">
      <Outlet />
    </Box>
  );
}

export function backendRouter() {
  return createBrowserRouter(
    [
      {
        element: <Bare />,
        children: [
          { path: 'login', element: <AdminLoginScreen /> },
          { path: 'logout', element: <LogoutScreen /> },
        ],
      },
      {
        element: (
          <RequireAdmin>
            <AdminLayout nav={nav} />
          </RequireAdmin>
        ),
        children: [...coreRoutes, ...entityRoutes, ...pluginRoutes, { path: '*', element: <NotFound /> }],
      },
    ],
    { basename: appBasename('backend') },
  );
}
