import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { adminSessionOptions } from '../../features/backend-auth/api/admin-login';
import { AppProviders } from '../providers';
import { backendRouter } from './routes';

const router = backendRouter();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <AppProviders session={adminSessionOptions}>
      <RouterProvider router={router} />
    </AppProviders>
  </StrictMode>,
);
