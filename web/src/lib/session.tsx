import { Client, type ConsumerUserJWT } from 'fusio-sdk';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { HttpBearer } from 'sdkgen-client';
import { errorStatus, publicClient } from './api-client';
import { apiBaseUrl } from './runtime';

/** The developer's login, kept in localStorage so every tab of the portal shares it. */
export interface Session {
  token: string;
  refreshToken: string;
  /** epoch milliseconds */
  expiresAt: number;
}

/** The portal's and the account app's key; another app (the admin app) keeps its session under its own. */
const defaultStorageKey = 'portico.session';
/** refresh this long before the token expires */
const refreshMargin = 60_000;

/** How an app keeps and renews its session: the portal's defaults, or the admin app's. */
export interface SessionOptions {
  /** the localStorage key (tabs of the same app share it; apps do not) */
  storageKey?: string;
  /** trades a refresh token for a new session (default: `PUT /consumer/login`) */
  renew?: (refreshToken: string) => Promise<Session>;
}

async function renewAtConsumerLogin(refreshToken: string): Promise<Session> {
  return sessionFromJwt(await publicClient().consumer().account().refresh({ refresh_token: refreshToken }));
}

function readStored(storageKey: string): Session | null {
  try {
    const parsed = JSON.parse(localStorage.getItem(storageKey) ?? 'null') as Session | null;
    return parsed && typeof parsed.token === 'string' && typeof parsed.expiresAt === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

function store(storageKey: string, session: Session | null): void {
  try {
    if (session) localStorage.setItem(storageKey, JSON.stringify(session));
    else localStorage.removeItem(storageKey);
  } catch {
    // private mode without storage: the session lives in this tab only
  }
}

/** The expiry of a JWT from its `exp` claim, else from `expires_in` (seconds, or Fusio's epoch seconds). */
function expiryOf(token: string, expiresIn: number | undefined): number {
  try {
    const payload = JSON.parse(atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as {
      exp?: number;
    };
    if (typeof payload.exp === 'number') return payload.exp * 1000;
  } catch {
    // not a JWT: fall back to expires_in
  }
  const seconds = expiresIn ?? 3600;
  return seconds > 1_000_000_000 ? seconds * 1000 : Date.now() + seconds * 1000;
}

export function sessionFromTokens(token: string, refreshToken: string, expiresIn?: number): Session {
  return { token, refreshToken, expiresAt: expiryOf(token, expiresIn) };
}

export function sessionFromJwt(jwt: ConsumerUserJWT): Session {
  if (!jwt.token) throw new Error('The login answer carried no token');
  return sessionFromTokens(jwt.token, jwt.refresh_token ?? '', jwt.expires_in);
}

/** Why the session ended, shown on the login screen. */
export type EndReason = 'logout' | 'expired' | null;

export interface SessionApi {
  session: Session | null;
  /** why the last session ended (cleared by the next login) */
  ended: EndReason;
  /** an SDK client with the developer's token (null when logged out) */
  client: Client | null;
  begin(session: Session): void;
  logout(): Promise<void>;
  /**
   * Runs an API call with the developer's client; a 401 refreshes the token once and retries, a failed
   * refresh ends the session.
   */
  call<T>(run: (client: Client) => Promise<T>): Promise<T>;
  /** the same with the bare token, for calls fusio-sdk does not know (a 401 carries `{title: 'Unauthorized'}`) */
  callWithToken<T>(run: (token: string) => Promise<T>): Promise<T>;
}

const SessionContext = createContext<SessionApi | null>(null);

/** Refreshes one session at a time across the tabs of this browser (a refresh token works once). */
async function withRefreshLock<T>(storageKey: string, run: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && navigator.locks) {
    return navigator.locks.request(`portico-session-refresh:${storageKey}`, run);
  }
  return run();
}

export function SessionProvider({ children, options }: { children: ReactNode; options?: SessionOptions }) {
  const storageKey = options?.storageKey ?? defaultStorageKey;
  const renew = options?.renew ?? renewAtConsumerLogin;
  const [session, setSession] = useState<Session | null>(() => {
    const stored = readStored(storageKey);
    // an expired token with a refresh token is renewed at once by the timer below
    return stored && (stored.expiresAt > Date.now() || stored.refreshToken) ? stored : null;
  });
  const [ended, setEnded] = useState<EndReason>(null);
  const current = useRef(session);
  current.current = session;

  const apply = useCallback(
    (next: Session | null, reason: EndReason = null) => {
      store(storageKey, next);
      current.current = next;
      setSession(next);
      if (next) setEnded(null);
      else if (reason) setEnded(reason);
    },
    [storageKey],
  );

  /** A fresh token: another tab may already have refreshed (then its session is taken over). */
  const refresh = useCallback(async (): Promise<Session | null> => {
    const held = current.current;
    if (!held?.refreshToken) {
      apply(null, 'expired');
      return null;
    }
    return withRefreshLock(storageKey, async () => {
      const stored = readStored(storageKey);
      if (stored && stored.token !== held.token && stored.expiresAt - refreshMargin > Date.now()) {
        apply(stored);
        return stored;
      }
      try {
        const next = await renew((stored ?? held).refreshToken);
        apply(next);
        return next;
      } catch (error) {
        // a network failure keeps the session for the next try; a refused refresh token ends it
        if (errorStatus(error) === undefined && error instanceof TypeError) return held;
        apply(null, 'expired');
        return null;
      }
    });
  }, [apply, renew, storageKey]);

  // quiet refresh shortly before the token expires
  useEffect(() => {
    if (!session) return;
    const wait = Math.max(session.expiresAt - refreshMargin - Date.now(), 1_000);
    const timer = window.setTimeout(() => void refresh(), Math.min(wait, 2 ** 31 - 1));
    return () => window.clearTimeout(timer);
  }, [session, refresh]);

  // a login, refresh or logout in another tab applies here too
  useEffect(() => {
    const listener = (event: StorageEvent) => {
      if (event.key !== storageKey) return;
      const next = readStored(storageKey);
      current.current = next;
      setSession(next);
      if (!next) setEnded('logout');
    };
    window.addEventListener('storage', listener);
    return () => window.removeEventListener('storage', listener);
  }, [storageKey]);

  const client = useMemo(() => (session ? new Client(apiBaseUrl(), new HttpBearer(session.token)) : null), [session]);

  const api = useMemo<SessionApi>(() => {
    const callWithToken = async <T,>(run: (token: string) => Promise<T>): Promise<T> => {
      let held = current.current;
      if (!held) throw new SessionEndedError();
      if (held.expiresAt - 5_000 < Date.now()) held = await refresh();
      if (!held) throw new SessionEndedError();
      try {
        return await run(held.token);
      } catch (error) {
        if (errorStatus(error) !== 401) throw error;
        const renewed = await refresh();
        if (!renewed) throw new SessionEndedError();
        return run(renewed.token);
      }
    };
    return {
      session,
      ended,
      client,
      begin: (next) => apply(next),
      async logout() {
        const held = current.current;
        apply(null, 'logout');
        if (held) {
          // the token revokes itself; the session is gone here whatever the answer
          await new Client(apiBaseUrl(), new HttpBearer(held.token))
            .authorization()
            .revoke()
            .catch(() => undefined);
        }
      },
      callWithToken,
      call: (run) => callWithToken((token) => run(new Client(apiBaseUrl(), new HttpBearer(token)))),
    };
  }, [session, ended, client, apply, refresh]);
  return <SessionContext.Provider value={api}>{children}</SessionContext.Provider>;
}

export class SessionEndedError extends Error {
  constructor() {
    super('Your session has ended. Please log in again.');
    this.name = 'SessionEndedError';
  }
}

export function useSession(): SessionApi {
  const api = useContext(SessionContext);
  if (!api) throw new Error('useSession outside SessionProvider');
  return api;
}
