import { type PointerEvent, useEffect, useRef, useState } from 'react';
import { Link, Outlet, useRouter, useRouterState } from '@tanstack/react-router';
import { defineMessages, LOCALE_NAMES, LOCALES, isLocale, useLocale, useT } from '../i18n/i18n';
import { Button, Loading } from '../ui/ui';
import { NAV, shellMessages } from './nav';
import { usePreloadScreens } from './preload-screens';
import { useSession } from './session';
import { SignInForm } from './sign-in';

const messages = defineMessages({
  en: { sessionTitle: 'Sign in again' },
  ar: { sessionTitle: 'سجّل الدخول مرة أخرى' },
  ja: { sessionTitle: '再度サインイン' },
});

/** Sign-in above the current screen when the session ended mid-work: the screen stays mounted, edits and all. */
function SessionEndedDialog() {
  const t = useT(messages);
  const ts = useT(shellMessages);
  const { me } = useSession();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="session-ended-title" onCancel={(event) => event.preventDefault()}>
      <h2 id="session-ended-title">{t('sessionTitle')}</h2>
      <p>{ts('sessionEnded')}</p>
      <SignInForm {...(me === undefined ? {} : { email: me.user.email })} />
    </dialog>
  );
}

function WorkspaceSwitcher() {
  const ts = useT(shellMessages);
  const { me, switchWorkspace } = useSession();
  if (me === undefined || me.workspaces.length < 2)
    return me === undefined ? null : <span className="workspace-name">{me.workspaces.find((entry) => entry.workspaceId === me.workspaceId)?.name ?? me.workspaceId}</span>;
  return (
    <label className="inline-field">
      <span className="visually-hidden">{ts('workspace')}</span>
      <select value={me.workspaceId} onChange={(event) => void switchWorkspace(event.target.value).then(() => window.location.reload())}>
        {me.workspaces.map((entry) => (
          <option key={entry.workspaceId} value={entry.workspaceId}>
            {entry.name ?? entry.workspaceId}
          </option>
        ))}
      </select>
    </label>
  );
}

function LanguageSelect() {
  const ts = useT(shellMessages);
  const { locale, setLocale } = useLocale();
  return (
    <label className="inline-field">
      <span className="visually-hidden">{ts('language')}</span>
      <select value={locale} onChange={(event) => isLocale(event.target.value) && setLocale(event.target.value)}>
        {LOCALES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LOCALE_NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}

function UserMenu() {
  const ts = useT(shellMessages);
  const { me, signOut } = useSession();
  if (me === undefined) return null;
  return (
    <details className="user-menu">
      <summary>{me.user.displayName || me.user.email}</summary>
      <div className="user-menu-body">
        <p className="small muted">{ts('signedInAs', { email: me.user.email, role: ts(`role_${me.role}`) })}</p>
        <Button variant="ghost" onClick={() => void signOut(false)}>
          {ts('signOut')}
        </Button>
        <Button variant="ghost" onClick={() => void signOut(true)}>
          {ts('signOutEverywhere')}
        </Button>
      </div>
    </details>
  );
}

/** The frame of every signed-in screen: skip link, navigation, workspace, language, the person. */
export function Shell() {
  const ts = useT(shellMessages);
  const { ended } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  useEffect(() => setMenuOpen(false), [pathname]);
  usePreloadScreens();
  const router = useRouter();
  // A press starts the screen's requests: the click (on release) comes 50-150 ms later for a person.
  const pressed = (to: string) => (event: PointerEvent<HTMLAnchorElement>) => {
    if (event.button === 0) void router.preloadRoute({ to }).catch(() => undefined);
  };
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {ts('skip')}
      </a>
      <header className="topbar">
        <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen((open) => !open)}>
          {ts('menu')}
        </button>
        <Link to="/" className="brand">
          Rapport
        </Link>
        <div className="topbar-end">
          <WorkspaceSwitcher />
          <LanguageSelect />
          <UserMenu />
        </div>
      </header>
      <nav id="main-nav" className={`sidebar ${menuOpen ? 'open' : ''}`} aria-label={ts('mainNav')}>
        <ul>
          {NAV.map((item) => (
            <li key={item.to}>
              <Link to={item.to as '/'} activeOptions={{ exact: 'exact' in item }} activeProps={{ 'aria-current': 'page', className: 'active' }} onPointerDown={pressed(item.to)}>
                {ts(item.key)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
      {ended ? <SessionEndedDialog /> : null}
    </div>
  );
}

/** Until /auth/me answers. */
export function Booting() {
  return (
    <main className="auth-page" id="main">
      <Loading />
    </main>
  );
}

export function NotFound() {
  const ts = useT(shellMessages);
  return (
    <section className="page">
      <h1>{ts('notFound')}</h1>
      <Link to="/">{ts('home')}</Link>
    </section>
  );
}
