import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rapport } from '../../src/rapport.js';
import { manualClock } from '../../src/shared/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, basicAuth, startTestRapport, type TestRapport } from '../helpers/server.js';

/*
 * Scoped and expiring credentials, and the audit log of admin changes. Time moves by hand, so
 * expiry is tested without sleeping.
 */
describe.each(dialects)('token scopes, expiry and the audit log (%s)', (dialect) => {
  const T0 = Date.parse('2026-01-01T00:00:00Z');
  const clock = manualClock(T0);
  let rapport: Rapport;
  let server: TestRapport;
  const full = { authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    server = await startTestRapport(dialect, {}, { rapport: { clock } });
    rapport = server.rapport;
  });
  afterAll(async () => server.stop());

  async function createToken(body: Record<string, unknown>): Promise<{ id: string; secret: string; scopes: string[] }> {
    const response = await rapport.app.inject({ method: 'POST', url: '/api/v1/admin-tokens', headers: full, payload: body });
    expect(response.statusCode, response.body).toBe(201);
    const created: { token: { id: string; scopes: string[] }; secret: string } = response.json();
    return { id: created.token.id, secret: created.secret, scopes: created.token.scopes };
  }

  it('keeps full access for tokens made before scopes existed', async () => {
    const list = await rapport.app.inject({ method: 'GET', url: '/api/v1/admin-tokens', headers: full });
    expect(list.statusCode).toBe(200);
    expect(list.json().adminTokens[0]).toMatchObject({ scopes: ['read', 'write', 'admin'], expiresAt: null });
  });

  it('lets a read-only token read but refuses every change with 403 naming the scope', async () => {
    const reader = await createToken({ name: 'dashboard', scopes: ['read'] });
    expect(reader.scopes).toEqual(['read']);
    const headers = { authorization: `Bearer ${reader.secret}` };
    const read = await rapport.app.inject({ method: 'GET', url: '/api/v1/segments', headers });
    expect(read.statusCode).toBe(200);
    const query = await rapport.app.inject({
      method: 'POST',
      url: '/api/v1/analytics/funnels',
      headers,
      payload: { steps: [{ event: 'a' }, { event: 'b' }], from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' },
    });
    expect(query.statusCode, query.body).toBe(200);
    for (const change of [
      { method: 'POST' as const, url: '/api/v1/segments', payload: { name: 'x', condition: { type: 'trait', key: 'plan', op: 'equals', value: 'pro' } } },
      { method: 'DELETE' as const, url: '/api/v1/segments/seg_nope' },
      { method: 'PUT' as const, url: '/api/v1/identity-rules', payload: {} },
      { method: 'POST' as const, url: '/api/v1/analytics/rfm', payload: {} },
    ]) {
      const response = await rapport.app.inject({ ...change, headers });
      expect(response.statusCode, `${change.method} ${change.url}`).toBe(403);
      expect(response.json().error.message).toContain('needs the "write" scope');
    }
    const keys = await rapport.app.inject({ method: 'GET', url: '/api/v1/write-keys', headers });
    expect(keys.statusCode).toBe(403);
    expect(keys.json().error.message).toContain('needs the "admin" scope');
  });

  it('lets a write token change data but not credentials', async () => {
    const writer = await createToken({ name: 'integration', scopes: ['write'] });
    const headers = { authorization: `Bearer ${writer.secret}` };
    const change = await rapport.app.inject({ method: 'PUT', url: '/api/v1/journey-settings', headers, payload: {} });
    expect(change.statusCode).not.toBe(403);
    const token = await rapport.app.inject({ method: 'POST', url: '/api/v1/admin-tokens', headers, payload: { name: 'escalate' } });
    expect(token.statusCode).toBe(403);
    expect(token.json().error.message).toContain('"admin"');
  });

  it('refuses an expired admin token with 401 that says it expired', async () => {
    const temporary = await createToken({ name: 'contractor', expiresAt: new Date(T0 + 3_600_000).toISOString() });
    const headers = { authorization: `Bearer ${temporary.secret}` };
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/segments', headers })).statusCode).toBe(200);
    clock.advance(3_600_000);
    const expired = await rapport.app.inject({ method: 'GET', url: '/api/v1/segments', headers });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.message).toContain(`admin token ${temporary.id} expired at 2026-01-01T01:00:00.000Z`);
    clock.set(T0);
  });

  it('refuses an expiry in the past and an empty scope list', async () => {
    const past = await rapport.app.inject({ method: 'POST', url: '/api/v1/admin-tokens', headers: full, payload: { name: 'late', expiresAt: '2020-01-01T00:00:00Z' } });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.message).toContain('expiresAt must be in the future');
    const none = await rapport.app.inject({ method: 'POST', url: '/api/v1/admin-tokens', headers: full, payload: { name: 'nothing', scopes: [] } });
    expect(none.statusCode).toBe(400);
    const unknown = await rapport.app.inject({ method: 'POST', url: '/api/v1/admin-tokens', headers: full, payload: { name: 'root', scopes: ['root'] } });
    expect(unknown.statusCode).toBe(400);
  });

  it('refuses an expired write key on ingest with 401 that says it expired', async () => {
    const created = await rapport.app.inject({ method: 'POST', url: '/api/v1/write-keys', headers: full, payload: { name: 'campaign site', expiresAt: new Date(T0 + 86_400_000).toISOString() } });
    expect(created.statusCode).toBe(201);
    const key: { id: string; key: string; expiresAt: number } = created.json();
    expect(key.expiresAt).toBe(T0 + 86_400_000);
    const track = (): Promise<{ statusCode: number; json(): { error: { message: string } } }> =>
      rapport.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(key.key) }, payload: { userId: 'u1', event: 'Viewed' } });
    expect((await track()).statusCode).toBe(200);
    clock.advance(86_400_000 + 1);
    const refused = await track();
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toContain(`write key ${key.id} expired at`);
    clock.set(T0);
  });

  it('audits every change (also refused ones) with token, route, ids, status and address; never reads or bodies', async () => {
    const auditor = await createToken({ name: 'auditor', scopes: ['read'] });
    clock.advance(60_000);
    const since = new Date(clock.now()).toISOString();
    await rapport.app.inject({ method: 'DELETE', url: '/api/v1/suppressions/email/alice@example.com', headers: full });
    await rapport.app.inject({ method: 'DELETE', url: '/api/v1/segments/seg_gone', headers: { authorization: `Bearer ${auditor.secret}` } });
    await rapport.app.inject({ method: 'POST', url: '/api/v1/analytics/cohorts', headers: full, payload: {} });
    await rapport.app.inject({ method: 'GET', url: '/api/v1/segments', headers: full });
    const page = await rapport.app.inject({ method: 'GET', url: `/api/v1/audit?from=${encodeURIComponent(since)}`, headers: full });
    expect(page.statusCode, page.body).toBe(200);
    const entries: { tokenId: string; method: string; route: string; resourceIds: Record<string, string>; status: number; ip: string }[] = page.json().entries;
    expect(entries.map((entry) => `${entry.method} ${entry.route} ${entry.status}`)).toEqual(['DELETE /api/v1/segments/:id 403', 'DELETE /api/v1/suppressions/:channel/:address 404']);
    expect(entries[0]).toMatchObject({ tokenId: auditor.id, resourceIds: { id: 'seg_gone' }, ip: '127.0.0.1' });
    expect(entries[1]?.resourceIds).toEqual({ channel: 'email', address: '[redacted]' });
    expect(page.body).not.toContain('alice@example.com');
    clock.set(T0);
  });

  it("pages the audit log by cursor and keeps it to the caller's workspace", async () => {
    const created = await rapport.app.inject({ method: 'POST', url: '/api/v1/workspaces', headers: full, payload: { id: 'other-shop', name: 'Other' } });
    expect(created.statusCode).toBe(201);
    const other = { authorization: `Bearer ${created.json().adminToken.secret}` };
    for (let i = 0; i < 5; i++) {
      clock.advance(i % 2);
      await rapport.app.inject({ method: 'POST', url: '/api/v1/write-keys', headers: full, payload: { name: `source ${i}` } });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/audit?limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const page = await rapport.app.inject({ method: 'GET', url, headers: full });
      expect(page.statusCode, page.body).toBe(200);
      const body: { entries: { id: string }[]; nextCursor: string | null } = page.json();
      seen.push(...body.entries.map((entry) => entry.id));
      cursor = body.nextCursor;
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(8);
    const theirs = await rapport.app.inject({ method: 'GET', url: '/api/v1/audit', headers: other });
    expect(theirs.json().entries).toEqual([]);
    const badCursor = await rapport.app.inject({ method: 'GET', url: '/api/v1/audit?cursor=junk', headers: full });
    expect(badCursor.statusCode).toBe(400);
  });
});
