import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../../../lib/session';

/** The admin app's screens need a login: others go to it first and come back after. */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const location = useLocation();
  if (session) return children;
  const back = `${location.pathname}${location.search}`;
  return <Navigate to={back === '/' ? '/login' : `/login?return=${encodeURIComponent(back)}`} replace />;
}
