import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, onSignedOut, setCsrfToken } from '../api/client';

/*
 * The signed-in person: who, which workspace, which role. Loaded from /auth/me on start; a 401
 * from any call later (idle or expired session, signed out elsewhere) marks the session ended,
 * and the shell shows sign-in above the current screen so an edit in progress is not lost.
 */

export type Role = 'owner' | 'admin' | 'marketer' | 'analyst';

export interface Me {
  user: { id: string; email: string; displayName: string; locale: string };
  workspaceId: string;
  role: Role;
  csrfToken: string;
  expiresAt: number;
  workspaces: { workspaceId: string; role: Role; name?: string }[];
}

interface SessionState {
  me: Me | undefined;
  /** True while /auth/me is first asked. */
  loading: boolean;
  /** The session ended under an open screen: sign in again to go on. */
  ended: boolean;
  signIn(email: string, password: string): Promise<Me>;
  signOut(everywhere?: boolean): Promise<void>;
  switchWorkspace(workspaceId: string): Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

/** Roles that may change things; analysts read. */
export function canEdit(role: Role | undefined): boolean {
  return role === 'owner' || role === 'admin' || role === 'marketer';
}

export function canAdminister(role: Role | undefined): boolean {
  return role === 'owner' || role === 'admin';
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [ended, setEnded] = useState(false);

  const accept = useCallback((next: Me) => {
    setCsrfToken(next.csrfToken);
    setMe(next);
    setEnded(false);
    return next;
  }, []);

  useEffect(() => {
    let live = true;
    api
      .get<Me>('/api/v1/auth/me')
      .then((next) => live && accept(next))
      .catch((error: unknown) => {
        if (!(error instanceof ApiError) || error.status !== 401) console.error(error);
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [accept]);

  useEffect(() => onSignedOut(() => setEnded(true)), []);

  const signIn = useCallback(
    async (email: string, password: string) => accept(await api.post<Me>('/api/v1/auth/sign-in', { body: { email, password, ...(me ? { workspaceId: me.workspaceId } : {}) } })),
    [accept, me],
  );
  const signOut = useCallback(async (everywhere = false) => {
    await api.post(everywhere ? '/api/v1/auth/sign-out-everywhere' : '/api/v1/auth/sign-out').catch(() => undefined);
    setCsrfToken(undefined);
    setMe(undefined);
    setEnded(false);
  }, []);
  const switchWorkspace = useCallback(
    async (workspaceId: string) => {
      accept(await api.post<Me>('/api/v1/auth/workspace', { body: { workspaceId } }));
    },
    [accept],
  );

  const value = useMemo(() => ({ me, loading, ended, signIn, signOut, switchWorkspace }), [me, loading, ended, signIn, signOut, switchWorkspace]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (state === undefined) throw new Error('useSession outside SessionProvider');
  return state;
}
