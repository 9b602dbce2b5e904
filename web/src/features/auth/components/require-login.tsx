import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../../../lib/session';

/** Screens for logged-in developers: others go to the login first and come back after. */
export function RequireLogin({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const location = useLocation();
  if (session) return children;
  const back = `${location.pathname}${location.search}`;
  return <Navigate to={`/login?return=${encodeURIComponent(back)}`} replace />;
}
