import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { Rapport } from '../../src/rapport.js';
import { manualClock } from '../../src/shared/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, startTestRapport, type TestRapport } from '../helpers/server.js';

/*
 * Dashboard users over the real HTTP routes, on each dialect: sign-in and sessions, cookie
 * flags, CSRF, roles enforced for sessions and tokens alike, invitations, rate limits.
 * Time moves by hand, so expiries are tested without sleeping. Every password hash is a real
 * scrypt at full strength, so the tests sign in no more often than they must.
 */
const T0 = Date.parse('2026-03-01T00:00:00Z');
const OWNER_PASSWORD = 'owner passphrase 1';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

interface Session {
  cookie: string;
  csrf: string;
  userId: string;
  setCookie: string;
}

let ipCounter = 0;
/** A client address of its own, so the per-address sign-in limit counts only the test that wants it. */
function freshIp(): string {
  ipCounter += 1;
  return `10.1.${Math.floor(ipCounter / 250)}.${ipCounter % 250}`;
}

function cookieOf(response: LightMyRequestResponse): string {
  const header = response.headers['set-cookie'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) throw new Error('no Set-Cookie');
  return value;
}

describe.each(dialects)('dashboard users, roles and sessions (%s)', (dialect) => {
  const clock = manualClock(T0);
  let server: TestRapport;
  let rapport: Rapport;
  let owner: Session;
  let analyst: Session;

  async function signIn(email: string, password: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return rapport.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { 'x-forwarded-for': freshIp(), ...headers }, payload: { email, password } });
  }

  async function session(email: string, password: string): Promise<Session> {
    const response = await signIn(email, password);
    expect(response.statusCode, response.body).toBe(200);
    const setCookie = cookieOf(response);
    const body: { csrfToken: string; user: { id: string } } = response.json();
    return { cookie: setCookie.split(';')[0] ?? '', csrf: body.csrfToken, userId: body.user.id, setCookie };
  }

  function as(who: Session, withCsrf = true): Record<string, string> {
    return withCsrf ? { cookie: who.cookie, 'x-csrf-token': who.csrf } : { cookie: who.cookie };
  }

  async function invite(email: string, role: string, headers: Record<string, string> = admin): Promise<string> {
    const response = await rapport.app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: { email, role } });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().token;
  }

  async function accept(token: string, password: string, extra: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return rapport.app.inject({ method: 'POST', url: `/api/v1/invitations/${token}/accept`, headers: { 'x-forwarded-for': freshIp() }, payload: { password, ...extra } });
  }

  beforeAll(async () => {
    server = await startTestRapport(
      dialect,
      { RAPPORT_TRUST_PROXY: 'true', RAPPORT_RATE_SIGNIN_IP: '3', RAPPORT_RATE_SIGNIN_EMAIL: '3', RAPPORT_OWNER_EMAIL: 'Owner@Shop.example' },
      { rapport: { clock } },
    );
    rapport = server.rapport;
  });
  afterAll(async () => server.stop());

  it('creates the owner on first start, whose printed invitation sets the password once', async () => {
    const first = rapport.firstOwner;
    expect(first).toMatchObject({ email: 'owner@shop.example', workspaceId: 'default' });
    if (first === undefined) throw new Error('no first owner');
    const accepted = await accept(first.invitationToken, OWNER_PASSWORD);
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(accepted.json()).toMatchObject({ email: 'owner@shop.example', role: 'owner', hasPassword: true });
    expect((await accept(first.invitationToken, 'another passphrase')).statusCode).toBe(409);
    owner = await session('OWNER@shop.example', OWNER_PASSWORD);
  });

  it('sets an HttpOnly, SameSite=Lax cookie, Secure only over https', async () => {
    expect(owner.setCookie).toMatch(/^rapport_session=ses_[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800$/);
    const overHttps = await signIn('owner@shop.example', OWNER_PASSWORD, { 'x-forwarded-proto': 'https' });
    expect(overHttps.statusCode).toBe(200);
    expect(cookieOf(overHttps)).toMatch(/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
  });

  it('answers /auth/me with the user, role, CSRF token and workspaces; 401 without a session', async () => {
    const me = await rapport.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: as(owner, false) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ user: { email: 'owner@shop.example' }, workspaceId: 'default', role: 'owner', csrfToken: owner.csrf, workspaces: [{ workspaceId: 'default', role: 'owner' }] });
    expect(me.json().user).not.toHaveProperty('passwordHash');
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: 'rapport_session=ses_made_up' } })).statusCode).toBe(401);
  });

  it('refuses a wrong password and an unknown email with the same answer', async () => {
    const wrong = await signIn('owner@shop.example', 'not the passphrase');
    const unknown = await signIn('nobody@shop.example', OWNER_PASSWORD);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe(unknown.json().error.message);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a cookie-authenticated change without the CSRF token or from another origin; Bearer tokens need neither', async () => {
    const payload = { email: 'csrf@shop.example', role: 'analyst' };
    const bare = await rapport.app.inject({ method: 'POST', url: '/api/v1/users', headers: as(owner, false), payload });
    expect(bare.statusCode).toBe(403);
    expect(bare.json().error.issues[0].field).toBe('x-csrf-token');
    const wrongToken = await rapport.app.inject({ method: 'POST', url: '/api/v1/users', headers: { cookie: owner.cookie, 'x-csrf-token': 'csrf_guess' }, payload });
    expect(wrongToken.statusCode).toBe(403);
    const foreign = await rapport.app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...as(owner), origin: 'https://evil.example' }, payload });
    expect(foreign.statusCode).toBe(403);
    const good = await rapport.app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...as(owner), origin: 'http://localhost:80' }, payload });
    expect(good.statusCode, good.body).toBe(201);
    const bearer = await rapport.app.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload: { email: 'bearer@shop.example', role: 'analyst' } });
    expect(bearer.statusCode).toBe(201);
    // Sign-in from a foreign page (login CSRF) is refused too.
    expect((await signIn('owner@shop.example', OWNER_PASSWORD, { origin: 'https://evil.example' })).statusCode).toBe(403);
  });

  it('lets an analyst read but not write, via a session and via a read-scoped token alike', async () => {
    expect((await accept(await invite('ana@shop.example', 'analyst', as(owner)), 'analyst passphrase', { displayName: 'Ana' })).statusCode).toBe(201);
    analyst = await session('ana@shop.example', 'analyst passphrase');
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/segments', headers: as(analyst) })).statusCode).toBe(200);
    const write = await rapport.app.inject({ method: 'POST', url: '/api/v1/segments', headers: as(analyst), payload: { name: 'x' } });
    expect(write.statusCode).toBe(403);
    expect(write.json().error.message).toContain('"write" scope');
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/users', headers: as(analyst) })).statusCode).toBe(403);
    const created = await rapport.app.inject({ method: 'POST', url: '/api/v1/admin-tokens', headers: admin, payload: { name: 'analyst bot', scopes: ['read'] } });
    const reader = { authorization: `Bearer ${created.json().secret}` };
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/segments', headers: reader })).statusCode).toBe(200);
    expect((await rapport.app.inject({ method: 'POST', url: '/api/v1/segments', headers: reader, payload: { name: 'x' } })).statusCode).toBe(403);
  });

  it('changes roles (owner only for owner), takes effect at once, and keeps the last owner', async () => {
    const list = await rapport.app.inject({ method: 'GET', url: '/api/v1/users', headers: as(owner) });
    const ana = list.json().users.find((user: { email: string }) => user.email === 'ana@shop.example');
    expect(ana).toMatchObject({ role: 'analyst', displayName: 'Ana' });
    const promoted = await rapport.app.inject({ method: 'PATCH', url: `/api/v1/users/${ana.id}`, headers: as(owner), payload: { role: 'admin' } });
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect(promoted.json().role).toBe('admin');
    // The same session, unchanged, now has the new role's scopes.
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/users', headers: as(analyst) })).statusCode).toBe(200);
    // A workspace admin token acts as an admin: it may not make owners.
    const shopAdmin = await rapport.app.inject({ method: 'POST', url: '/api/v1/admin-tokens', headers: admin, payload: { name: 'ws admin', scopes: ['admin'] } });
    const wsAdmin = { authorization: `Bearer ${shopAdmin.json().secret}` };
    expect((await rapport.app.inject({ method: 'PATCH', url: `/api/v1/users/${ana.id}`, headers: wsAdmin, payload: { role: 'owner' } })).statusCode).toBe(403);
    expect((await rapport.app.inject({ method: 'PATCH', url: `/api/v1/users/${owner.userId}`, headers: as(owner), payload: { role: 'admin' } })).statusCode).toBe(409);
    expect((await rapport.app.inject({ method: 'PATCH', url: `/api/v1/users/${ana.id}`, headers: as(owner), payload: { role: 'janitor' } })).statusCode).toBe(400);
  });

  it('expires invitations and uses each once', async () => {
    const token = await invite('late@shop.example', 'marketer');
    clock.advance(8 * 86_400_000);
    const late = await accept(token, 'late passphrase 1');
    expect(late.statusCode).toBe(409);
    expect(late.json().error.message).toContain('expired');
    owner = await session('owner@shop.example', OWNER_PASSWORD);
    const fresh = await invite('mark@shop.example', 'marketer');
    expect((await accept(fresh, 'marketer passphrase')).statusCode).toBe(201);
    expect((await accept(fresh, 'marketer passphrase')).statusCode).toBe(409);
    expect((await accept('inv_unknown', 'marketer passphrase')).statusCode).toBe(404);
  });

  it("refuses another workspace's user ids and workspaces the user is not in", async () => {
    const created = await rapport.app.inject({ method: 'POST', url: '/api/v1/workspaces', headers: admin, payload: { id: 'shop-b', name: 'Shop B' } });
    expect(created.statusCode).toBe(201);
    const token = await invite('bob@shop-b.example', 'admin', { authorization: admin.authorization, 'x-rapport-workspace': 'shop-b' });
    const bob = await accept(token, 'bob passphrase 12');
    expect(bob.statusCode).toBe(201);
    const bobId: string = bob.json().id;
    expect((await rapport.app.inject({ method: 'PATCH', url: `/api/v1/users/${bobId}`, headers: as(owner), payload: { role: 'analyst' } })).statusCode).toBe(404);
    expect((await rapport.app.inject({ method: 'DELETE', url: `/api/v1/users/${bobId}`, headers: as(owner) })).statusCode).toBe(404);
    const listed = await rapport.app.inject({ method: 'GET', url: '/api/v1/users', headers: as(owner) });
    expect(listed.json().users.map((user: { id: string }) => user.id)).not.toContain(bobId);
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/segments', headers: { ...as(owner), 'x-rapport-workspace': 'shop-b' } })).statusCode).toBe(403);
    expect((await rapport.app.inject({ method: 'POST', url: '/api/v1/auth/workspace', headers: as(owner), payload: { workspaceId: 'shop-b' } })).statusCode).toBe(403);
  });

  it('switches workspace for a member of several', async () => {
    const token = await invite('owner@shop.example', 'analyst', { authorization: admin.authorization, 'x-rapport-workspace': 'shop-b' });
    // An existing account proves its password to accept; the link cannot reset it.
    expect((await accept(token, 'a guessed passphrase')).statusCode).toBe(401);
    expect((await accept(token, OWNER_PASSWORD)).statusCode).toBe(201);
    const switched = await rapport.app.inject({ method: 'POST', url: '/api/v1/auth/workspace', headers: as(owner), payload: { workspaceId: 'shop-b' } });
    expect(switched.statusCode, switched.body).toBe(200);
    expect(switched.json()).toMatchObject({ workspaceId: 'shop-b', role: 'analyst' });
    expect(switched.json().workspaces.map((entry: { workspaceId: string }) => entry.workspaceId)).toEqual(['default', 'shop-b']);
    expect((await rapport.app.inject({ method: 'POST', url: '/api/v1/segments', headers: as(owner), payload: { name: 'x' } })).statusCode).toBe(403);
    expect((await rapport.app.inject({ method: 'POST', url: '/api/v1/auth/workspace', headers: as(owner), payload: { workspaceId: 'default' } })).statusCode).toBe(200);
  });

  it("moves a session removed from its workspace to another of the person's, and lets someone in none sign out", async () => {
    const anaInB = await invite('ana@shop.example', 'marketer', { authorization: admin.authorization, 'x-rapport-workspace': 'shop-b' });
    expect((await accept(anaInB, 'analyst passphrase')).statusCode).toBe(201);
    const ana = await session('ana@shop.example', 'analyst passphrase');
    expect((await rapport.app.inject({ method: 'DELETE', url: `/api/v1/users/${ana.userId}`, headers: as(owner) })).statusCode).toBe(204);
    const moved = await rapport.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: as(ana) });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ workspaceId: 'shop-b', role: 'marketer', workspaces: [{ workspaceId: 'shop-b' }] });
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/segments', headers: { ...as(ana), 'x-rapport-workspace': 'default' } })).statusCode).toBe(403);

    expect((await accept(await invite('solo@shop.example', 'marketer'), 'solo passphrase 1')).statusCode).toBe(201);
    const solo = await session('solo@shop.example', 'solo passphrase 1');
    expect((await rapport.app.inject({ method: 'DELETE', url: `/api/v1/users/${solo.userId}`, headers: admin })).statusCode).toBe(204);
    const nowhere = await rapport.app.inject({ method: 'GET', url: '/api/v1/segments', headers: as(solo) });
    expect(nowhere.statusCode).toBe(403);
    expect(nowhere.json().error.message).toContain('no workspace');
    expect((await rapport.app.inject({ method: 'POST', url: '/api/v1/auth/sign-out', headers: as(solo) })).statusCode).toBe(204);
  });

  it('refuses hostile emails and names with a 400 naming the field, and stores odd but valid ones as text', async () => {
    for (const email of ['<script>@x', 'a'.repeat(300) + '@x.example', 'no-at-sign', '']) {
      const response = await rapport.app.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload: { email, role: 'analyst' } });
      expect(response.statusCode, email).toBe(400);
      expect(JSON.stringify(response.json().error)).toContain('email');
    }
    const huge = await signIn('x'.repeat(100_000), 'y');
    expect(huge.statusCode).toBe(400);
    const token = await invite('__proto__@shop.example', 'analyst');
    const tooLong = await accept(token, 'proto passphrase', { displayName: 'n'.repeat(201) });
    expect(tooLong.statusCode).toBe(400);
    expect(JSON.stringify(tooLong.json().error)).toContain('displayName');
    const accepted = await accept(token, 'proto passphrase', { displayName: 'constructor', locale: 'ar' });
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(accepted.json()).toMatchObject({ email: '__proto__@shop.example', displayName: 'constructor', locale: 'ar' });
  });

  it('limits sign-in attempts per address and per email', async () => {
    const ip = { 'x-forwarded-for': '192.0.2.77' };
    for (let attempt = 0; attempt < 3; attempt++) expect((await signIn(`guess${attempt}@shop.example`, 'wrong password', ip)).statusCode).toBe(401);
    const blocked = await signIn('owner@shop.example', OWNER_PASSWORD, ip);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    for (let attempt = 0; attempt < 3; attempt++) expect((await signIn('mark@shop.example', 'wrong password')).statusCode).toBe(401);
    const locked = await signIn('MARK@shop.example', 'marketer passphrase');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.message).toContain('rate limit "sign-in per email" exceeded (3 requests/hour, bursts of 3)');
    clock.advance(3_600_000);
    expect((await signIn('mark@shop.example', 'marketer passphrase')).statusCode).toBe(200);
  });

  it('ends sessions when idle, at their absolute end, on sign-out and everywhere', async () => {
    const idleMs = 720 * 60_000;
    clock.advance(idleMs + 1);
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: as(owner) })).statusCode).toBe(401);
    const laptop = await session('owner@shop.example', OWNER_PASSWORD);
    // Busy all week: touched every 11 hours, it still ends 7 days after sign-in.
    for (let hours = 11; hours < 168; hours += 11) {
      clock.advance(11 * 3_600_000);
      expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: as(laptop) })).statusCode, `after ${hours} h`).toBe(200);
    }
    clock.advance(13 * 3_600_000);
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: as(laptop) })).statusCode).toBe(401);

    const phone = await session('owner@shop.example', OWNER_PASSWORD);
    const signOutBare = await rapport.app.inject({ method: 'POST', url: '/api/v1/auth/sign-out', headers: as(phone, false) });
    expect(signOutBare.statusCode).toBe(403);
    const signedOut = await rapport.app.inject({ method: 'POST', url: '/api/v1/auth/sign-out', headers: as(phone) });
    expect(signedOut.statusCode).toBe(204);
    expect(cookieOf(signedOut)).toContain('Max-Age=0');
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: as(phone) })).statusCode).toBe(401);

    const first = await session('owner@shop.example', OWNER_PASSWORD);
    const second = await session('owner@shop.example', OWNER_PASSWORD);
    expect((await rapport.app.inject({ method: 'POST', url: '/api/v1/auth/sign-out-everywhere', headers: as(first) })).statusCode).toBe(204);
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: as(first) })).statusCode).toBe(401);
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/segments', headers: as(second) })).statusCode).toBe(401);
  });

  it('names the signed-in user, not a token, as the requester of a privacy job', async () => {
    // The sessions test used up this email's sign-in bucket; an hour refills it.
    clock.advance(3_600_000);
    owner = await session('owner@shop.example', OWNER_PASSWORD);
    const requested = await rapport.app.inject({ method: 'POST', url: '/api/v1/privacy/exports', headers: as(owner), payload: { profileId: 'prof_nobody' } });
    expect(requested.statusCode, requested.body).toBe(202);
    const jobs = await rapport.app.inject({ method: 'GET', url: '/api/v1/privacy/jobs', headers: admin });
    expect(jobs.json().jobs).toContainEqual(expect.objectContaining({ requestedBy: `user:${owner.userId}` }));
  });

  it('writes sign-ins, invitations and role changes to the audit log', async () => {
    const audit = await rapport.app.inject({ method: 'GET', url: '/api/v1/audit?limit=1000', headers: admin });
    const entries: Array<{ route: string; method: string; tokenId: string; status: number }> = audit.json().entries;
    expect(entries).toContainEqual(expect.objectContaining({ route: '/api/v1/auth/sign-in', tokenId: owner.userId, status: 200 }));
    expect(entries).toContainEqual(expect.objectContaining({ route: '/api/v1/users', method: 'POST', tokenId: owner.userId, status: 201 }));
    expect(entries).toContainEqual(expect.objectContaining({ route: '/api/v1/users/:id', method: 'PATCH', tokenId: owner.userId, status: 200 }));
  });
});
