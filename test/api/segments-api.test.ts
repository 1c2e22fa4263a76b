import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRapport, type Rapport } from '../../src/rapport.js';
import { tempDir } from '../helpers/databases.js';
import { waitFor } from '../helpers/server.js';

describe('segments API', () => {
  let rapport: Rapport;
  let dir: string;
  const admin = { authorization: 'Bearer ADM' };

  async function track(events: Record<string, unknown>[]): Promise<void> {
    const response = await rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: `Basic ${Buffer.from('WK:').toString('base64')}` }, payload: { batch: events } });
    expect(response.statusCode).toBe(200);
    await rapport.processor.drain();
  }

  /** A new segment backfills in the background; a client follows its status until it is live. */
  function untilLive(id: string): Promise<Record<string, unknown>> {
    return waitFor(
      `segment ${id} to go live`,
      async () => {
        const segment = (await rapport.app.inject({ method: 'GET', url: `/api/v1/segments/${id}`, headers: admin })).json();
        return segment.status === 'live' ? segment : undefined;
      },
      30_000,
    );
  }

  beforeAll(async () => {
    dir = tempDir();
    rapport = await createRapport(loadConfig({ RAPPORT_DATA_DIR: dir, RAPPORT_BOOTSTRAP_ADMIN_TOKEN: 'ADM', RAPPORT_BOOTSTRAP_WRITE_KEY: 'WK', RAPPORT_LOG_LEVEL: 'silent' }), { processor: 'inline' });
    await track([
      { type: 'identify', userId: 'u1', traits: { email: 'one@example.com', plan: 'gold' } },
      { type: 'track', userId: 'u1', event: 'Order Completed', properties: { revenue: 120 } },
      { type: 'identify', userId: 'u2', traits: { email: 'two@example.com', plan: 'free' } },
    ]);
  });
  afterAll(async () => {
    await rapport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a bad definition naming the node path', async () => {
    const response = await rapport.app.inject({
      method: 'POST',
      url: '/api/v1/segments',
      headers: admin,
      payload: { name: 'bad', condition: { type: 'and', conditions: [{ type: 'event', event: 'X', window: { type: 'last', amount: 0, unit: 'days' } }] } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues[0].field).toBe('condition.conditions[0].window.amount');
  });

  it('estimates, creates, backfills, lists members, explains, exports and counts', async () => {
    const condition = {
      type: 'and',
      conditions: [
        { type: 'trait', key: 'plan', op: 'equals', value: 'gold' },
        { type: 'computed', key: 'revenue', op: 'gte', value: 100 },
      ],
    };
    const estimate = await rapport.app.inject({ method: 'POST', url: '/api/v1/segments/estimate', headers: admin, payload: { condition } });
    expect(estimate.json()).toMatchObject({ size: 1, exact: true, total: 2 });

    const created = await rapport.app.inject({ method: 'POST', url: '/api/v1/segments', headers: admin, payload: { name: 'Gold buyers', condition } });
    expect(created.statusCode).toBe(201);
    const id: string = created.json().id;
    const live = await untilLive(id);
    expect(live).toMatchObject({ members: 1, backfill: { percent: 100 } });

    const members = (await rapport.app.inject({ method: 'GET', url: `/api/v1/segments/${id}/members`, headers: admin })).json();
    const profileId: string = members.members[0].profileId;
    const explained = (await rapport.app.inject({ method: 'GET', url: `/api/v1/segments/${id}/explain/${profileId}`, headers: admin })).json();
    expect(explained).toMatchObject({ member: true, result: true });
    expect(explained.explanation.children.map((child: { result: boolean; actual: unknown }) => [child.result, child.actual])).toEqual([
      [true, 'gold'],
      [true, 120],
    ]);

    // u2 upgrades and buys: the segment follows live.
    await track([
      { type: 'identify', userId: 'u2', traits: { plan: 'gold' } },
      { type: 'track', userId: 'u2', event: 'Order Completed', properties: { revenue: 300 } },
    ]);
    const csv = await rapport.app.inject({ method: 'GET', url: `/api/v1/segments/${id}/members.csv`, headers: admin });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.trim().split('\n')).toHaveLength(3);
    expect(csv.body).toContain('two@example.com');

    const counts = (await rapport.app.inject({ method: 'GET', url: `/api/v1/segments/${id}/counts?bucket=hour&from=${new Date(Date.now() - 3_600_000).toISOString()}`, headers: admin })).json();
    expect(counts.counts.at(-1).members).toBe(2);
    const memberships = (await rapport.app.inject({ method: 'GET', url: `/api/v1/profiles/${profileId}/segments`, headers: admin })).json();
    expect(memberships.segments.map((segment: { segmentId: string }) => segment.segmentId)).toEqual([id]);
    expect(memberships.history[0]).toMatchObject({ segmentId: id, kind: 'entered' });

    const entered = await rapport.eventLog.events('default', { event: 'Segment Entered' });
    expect(entered.map((event) => event.message.properties?.segment_id)).toEqual([id, id]);
  });

  it('uploads a static list as CSV and refuses deleting it while used', async () => {
    const list = (await rapport.app.inject({ method: 'POST', url: '/api/v1/segments/static', headers: admin, payload: { name: 'Imported VIPs' } })).json();
    const upload = await rapport.app.inject({
      method: 'POST',
      url: `/api/v1/segments/${list.id}/members?mode=replace`,
      headers: { ...admin, 'content-type': 'text/csv' },
      payload: 'email\none@example.com\nghost@example.com\n',
    });
    expect(upload.statusCode).toBe(200);
    expect(upload.json()).toMatchObject({ rows: 2, matched: 1, entered: 1, unmatched: [{ line: 3 }] });
    const user = (
      await rapport.app.inject({ method: 'POST', url: '/api/v1/segments', headers: admin, payload: { name: 'not VIP', condition: { type: 'segment', segmentId: list.id, member: false } } })
    ).json();
    await untilLive(user.id);
    const refused = await rapport.app.inject({ method: 'DELETE', url: `/api/v1/segments/${list.id}`, headers: admin });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toContain(user.id);
    expect((await rapport.app.inject({ method: 'DELETE', url: `/api/v1/segments/${user.id}`, headers: admin })).statusCode).toBe(204);
    expect((await rapport.app.inject({ method: 'DELETE', url: `/api/v1/segments/${list.id}`, headers: admin })).statusCode).toBe(204);
  });

  it('creates retargeting audiences by days since the last visit', async () => {
    await track([{ type: 'page', userId: 'u1', name: 'Home' }]);
    const created = (await rapport.app.inject({ method: 'POST', url: '/api/v1/segments/retargeting', headers: admin, payload: { days: 7 } })).json();
    expect(created.name).toBe('Visited in the last 7 days');
    expect(await untilLive(created.id)).toMatchObject({ members: 1 });
  });

  it('refuses an edit made on a stale read (expectedUpdatedAt) instead of overwriting the other edit', async () => {
    const created = (await rapport.app.inject({ method: 'POST', url: '/api/v1/segments/static', headers: admin, payload: { name: 'Shared' } })).json();
    const first = await rapport.app.inject({ method: 'PATCH', url: `/api/v1/segments/${created.id}`, headers: admin, payload: { name: 'Alice', expectedUpdatedAt: created.updatedAt } });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().updatedAt).not.toBe(created.updatedAt);
    const stale = await rapport.app.inject({ method: 'PATCH', url: `/api/v1/segments/${created.id}`, headers: admin, payload: { name: 'Bob', expectedUpdatedAt: created.updatedAt } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'segment.edit_conflict', issues: [{ field: 'expectedUpdatedAt', message: first.json().updatedAt }] });
    expect((await rapport.app.inject({ method: 'GET', url: `/api/v1/segments/${created.id}`, headers: admin })).json().name).toBe('Alice');
    const fresh = await rapport.app.inject({ method: 'PATCH', url: `/api/v1/segments/${created.id}`, headers: admin, payload: { name: 'Bob', expectedUpdatedAt: first.json().updatedAt } });
    expect(fresh.json().name).toBe('Bob');
    const garbage = await rapport.app.inject({ method: 'PATCH', url: `/api/v1/segments/${created.id}`, headers: admin, payload: { name: 'Eve', expectedUpdatedAt: 'yesterday' } });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().error.issues[0].field).toBe('expectedUpdatedAt');
    // Without it, the last save wins as before.
    expect((await rapport.app.inject({ method: 'PATCH', url: `/api/v1/segments/${created.id}`, headers: admin, payload: { name: 'Last' } })).statusCode).toBe(200);
  });

  it('answers the live routes once as JSON to a client that does not ask for a stream', async () => {
    const counts = await rapport.app.inject({ method: 'GET', url: '/api/v1/segments/live', headers: admin });
    expect(counts.statusCode).toBe(200);
    expect(counts.json().segments.length).toBeGreaterThan(0);
    expect(counts.json().segments[0]).toEqual({ id: expect.any(String), members: expect.any(Number), status: expect.any(String), percent: expect.any(Number) });
    const profile = (await rapport.app.inject({ method: 'GET', url: '/api/v1/profiles/lookup?type=user_id&value=u1', headers: admin })).json();
    const timeline = await rapport.app.inject({ method: 'GET', url: `/api/v1/profiles/${profile.id}/live?limit=5`, headers: admin });
    expect(timeline.statusCode).toBe(200);
    expect(timeline.json().events.map((event: { type: string }) => event.type)).toContain('track');
    expect((await rapport.app.inject({ method: 'GET', url: '/api/v1/profiles/prf_nobody/live', headers: admin })).statusCode).toBe(404);
  });
});
