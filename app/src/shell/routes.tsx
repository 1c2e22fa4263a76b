import { useEffect } from 'react';
import { createRootRoute, createRoute, Navigate, Outlet, useNavigate } from '@tanstack/react-router';
import { Booting, NotFound, Shell } from './shell';
import { useSession } from './session';
import { SignInPage } from './sign-in';
import { WelcomePage } from './welcome';

/*
 * The route tree's trunk: sign-in and the invitation page outside the shell, everything else
 * inside it (`appRoute`), which sends a visitor without a session to sign-in and back.
 * Each screen adds its routes under `appRoute` in screens/<screen>/routes.ts; router.tsx
 * assembles the tree.
 */

/** Only a path on this site, never `//evil.example` or `https://…`. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export const rootRoute = createRootRoute({ component: Outlet, notFoundComponent: NotFound });

function SignInRoute() {
  const { next } = signInRoute.useSearch();
  const navigate = useNavigate();
  const { me, loading } = useSession();
  if (loading) return <Booting />;
  if (me !== undefined) return <Navigate to={safeNext(next)} replace />;
  return <SignInPage onDone={() => void navigate({ to: safeNext(next), replace: true })} />;
}

export const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'sign-in',
  validateSearch: (search: Record<string, unknown>): { next?: string } => (typeof search.next === 'string' ? { next: search.next } : {}),
  component: SignInRoute,
});

function WelcomeRoute() {
  const { invitation } = welcomeRoute.useSearch();
  const navigate = useNavigate();
  return <WelcomePage token={invitation} onSignedIn={() => void navigate({ to: '/', replace: true })} />;
}

export const welcomeRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'welcome',
  validateSearch: (search: Record<string, unknown>): { invitation?: string } => (typeof search.invitation === 'string' ? { invitation: search.invitation } : {}),
  component: WelcomeRoute,
});

function SignedIn() {
  const { me, loading } = useSession();
  const navigate = useNavigate();
  const signedOut = !loading && me === undefined;
  useEffect(() => {
    // Read the location once, when the session is found missing: during the navigation this
    // component still renders with the sign-in URL, which must not become its own `next`.
    if (signedOut) void navigate({ to: '/sign-in', search: { next: `${window.location.pathname}${window.location.search}` }, replace: true });
  }, [signedOut, navigate]);
  if (loading || me === undefined) return <Booting />;
  return <Shell />;
}

/** The parent of every screen that needs a session. */
export const appRoute = createRoute({ getParentRoute: () => rootRoute, id: 'signed-in', component: SignedIn });
