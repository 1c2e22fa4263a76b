import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, WRITE_KEY, basicAuth, startTestRapport, type TestRapport } from '../helpers/server.js';

/*
 * What the profile page and the message log ask the server for: the timeline narrowed by type,
 * event name and dates with cursor pagination, the journeys a profile is in (one indexed read),
 * and the message log narrowed by channel, status and dates with a cursor.
 */

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const DAY = 86_400_000;
const START = Date.parse('2026-03-10T12:00:00.000Z');

describe.each(dialects)('profile page API (%s)', (dialect) => {
  let test: TestRapport;
  let ann = '';
  const clock = manualClock(START);
  const get = async <T>(url: string) => {
    const response = await test.rapport.app.inject({ method: 'GET', url, headers: admin });
    return { status: response.statusCode, body: response.json<T>() };
  };
  const post = async <T>(url: string, payload: object) => {
    const response = await test.rapport.app.inject({ method: 'POST', url, headers: admin, payload });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json<T>();
  };

  beforeAll(async () => {
    test = await startTestRapport(dialect, { RAPPORT_JOURNEY_DELIVERY: 'record' }, { rapport: { clock } });
    const at = (days: number) => new Date(START - days * DAY).toISOString();
    const batch = [
      { type: 'identify', userId: 'ann', traits: { email: 'ann@example.com' }, timestamp: at(9), messageId: 'm-0' },
      { type: 'page', userId: 'ann', name: 'Home', timestamp: at(8), messageId: 'm-1' },
      { type: 'track', userId: 'ann', event: 'Product Viewed', timestamp: at(7), messageId: 'm-2' },
      { type: 'track', userId: 'ann', event: 'Product Viewed', timestamp: at(5), messageId: 'm-3' },
      { type: 'track', userId: 'ann', event: 'Order Completed', properties: { revenue: 10 }, timestamp: at(4), messageId: 'm-4' },
      { type: 'track', userId: 'ann', event: 'Product Viewed', timestamp: at(3), messageId: 'm-5' },
      { type: 'page', userId: 'ann', name: 'Cart', timestamp: at(2), messageId: 'm-6' },
      { type: 'track', userId: 'ann', event: 'Product Viewed', timestamp: at(1), messageId: 'm-7' },
      { type: 'track', userId: 'bob', event: 'Product Viewed', timestamp: at(1), messageId: 'm-8' },
    ];
    const sent = await test.rapport.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { batch } });
    expect(sent.statusCode, sent.body).toBe(200);
    await test.rapport.processor.drain();
    ann = (await get<{ id: string }>('/api/v1/profiles/lookup?type=user_id&value=ann')).body.id;
  });
  afterAll(async () => test?.stop());

  const ids = (events: { messageId: string }[]) => events.map((event) => event.messageId);

  it('narrows the timeline by type, event name and dates, page by page with the same filter', async () => {
    type Page = { events: { messageId: string }[]; nextCursor: string | null };
    const base = `/api/v1/profiles/${ann}/events`;
    expect(ids((await get<Page>(`${base}?event=Product%20Viewed`)).body.events)).toEqual(['m-7', 'm-5', 'm-3', 'm-2']);
    expect(ids((await get<Page>(`${base}?type=page&type=identify`)).body.events)).toEqual(['m-6', 'm-1', 'm-0']);
    expect(ids((await get<Page>(`${base}?event=Product%20Viewed&event=Order%20Completed&from=2026-03-05&to=2026-03-09`)).body.events)).toEqual(['m-5', 'm-4', 'm-3']);
    // A type and a name combine with AND: pages carry no track names.
    expect((await get<Page>(`${base}?type=page&event=Product%20Viewed`)).body.events).toEqual([]);

    const first = await get<Page>(`${base}?event=Product%20Viewed&limit=3`);
    expect(ids(first.body.events)).toEqual(['m-7', 'm-5', 'm-3']);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await get<Page>(`${base}?event=Product%20Viewed&limit=3&cursor=${first.body.nextCursor ?? ''}`);
    expect(ids(second.body.events)).toEqual(['m-2']);
    expect(second.body.nextCursor).toBeNull();

    const live = await get<{ events: { messageId: string }[] }>(`/api/v1/profiles/${ann}/live?type=page`);
    expect(ids(live.body.events)).toEqual(['m-6', 'm-1']);
  });

  it('names the field of a bad filter', async () => {
    const base = `/api/v1/profiles/${ann}/events`;
    const badDate = await get<{ error: { code: string; issues: { field: string }[] } }>(`${base}?from=yesterday`);
    expect(badDate.status).toBe(400);
    expect(badDate.body.error).toMatchObject({ code: 'profile.range_invalid', issues: [{ field: 'from' }] });
    const reversed = await get<{ error: { code: string; issues: { field: string }[] } }>(`${base}?from=2026-03-09&to=2026-03-01`);
    expect(reversed.body.error).toMatchObject({ code: 'profile.range_invalid', issues: [{ field: 'to' }] });
    const badType = await get<{ error: { code: string } }>(`${base}?type=purchase`);
    expect(badType.status).toBe(400);
    expect((await get(`/api/v1/profiles/${ann}/live?from=nope`)).status).toBe(400);
  });

  it.runIf(dialect === 'sqlite')('reads a filtered timeline page through the primary keys, never a scan', async () => {
    const db = test.rapport.database.db;
    const plan = await sql<{ detail: string }>`explain query plan
      select pe.timestamp from profile_events pe join events e on e.workspace_id = pe.workspace_id and e.partition = pe.partition and e.seq = pe.seq
      where pe.workspace_id = ${'default'} and pe.profile_id = ${ann} and pe.timestamp >= ${0} and pe.timestamp < ${START} and e.type = ${'track'}
      order by pe.timestamp desc, pe.partition desc, pe.seq desc limit 50`.execute(db);
    const details = plan.rows.map((row) => row.detail);
    expect(
      details.some((detail) => /SEARCH pe USING PRIMARY KEY \(workspace_id=\? AND profile_id=\? AND timestamp>\? AND timestamp<\?\)/.test(detail)),
      details.join('\n'),
    ).toBe(true);
    expect(
      details.some((detail) => /^SCAN/.test(detail)),
      details.join('\n'),
    ).toBe(false);
    expect(
      details.some((detail) => /TEMP B-TREE/.test(detail)),
      details.join('\n'),
    ).toBe(false);
  });

  it("lists the journeys a profile is in, with each journey's name", async () => {
    const definition = (name: string) => ({
      name,
      trigger: { type: 'api' },
      start: 'wait',
      nodes: [
        { id: 'wait', type: 'wait', duration: { amount: 1, unit: 'hours' }, next: 'end' },
        { id: 'end', type: 'exit' },
      ],
    });
    const welcome = await post<{ id: string }>('/api/v1/journeys', definition('Welcome'));
    const other = await post<{ id: string }>('/api/v1/journeys', definition('Winback'));
    for (const journey of [welcome, other]) await post(`/api/v1/journeys/${journey.id}/activate`, {});
    await post(`/api/v1/journeys/${welcome.id}/enter`, { profileId: ann });
    await post(`/api/v1/journeys/${other.id}/enter`, { identifier: { type: 'user_id', value: 'bob' } });
    const runs = await get<{ runs: { journeyId: string; journeyName: string; profileId: string; status: string; nodeId: string }[] }>(`/api/v1/profiles/${ann}/journeys`);
    expect(runs.status).toBe(200);
    expect(runs.body.runs).toEqual([expect.objectContaining({ journeyId: welcome.id, journeyName: 'Welcome', profileId: ann, nodeId: 'wait' })]);
    expect(['active', 'waiting']).toContain(runs.body.runs[0]?.status);
    expect((await get('/api/v1/profiles/nobody/journeys')).status).toBe(404);
  });

  it('narrows the message log by channel, status and dates, with a cursor', async () => {
    type Log = { messages: { id: string; channel: string; status: string; createdAt: string }[]; nextCursor: string | null };
    const inbox = await post<{ id: string }>('/api/v1/templates', { name: 'Inbox note', channel: 'inbox', source: { default: { title: 'Hi', body: 'A note' } } });
    const sentIds: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      clock.set(START + index * DAY);
      sentIds.push((await post<{ messageId: string }>('/api/v1/channels/send', { profileId: ann, channel: 'inbox', templateId: inbox.id, idempotencyKey: `log-${index}` })).messageId);
    }
    const all = await get<Log>('/api/v1/messages?channel=inbox');
    expect(all.body.messages.map((message) => message.id)).toEqual([...sentIds].reverse());
    expect((await get<Log>('/api/v1/messages?channel=email')).body.messages).toEqual([]);
    const dated = await get<Log>(`/api/v1/messages?channel=inbox&from=${new Date(START + DAY).toISOString()}&to=${new Date(START + 2 * DAY).toISOString()}`);
    expect(dated.body.messages.map((message) => message.id)).toEqual([sentIds[1]]);
    const status = all.body.messages[0]?.status ?? '';
    expect((await get<Log>(`/api/v1/messages?status=${status}&channel=inbox`)).body.messages).toHaveLength(3);
    expect((await get<Log>(`/api/v1/messages?status=${status === 'failed' ? 'sent' : 'failed'}&channel=inbox`)).body.messages).toEqual([]);

    const first = await get<Log>('/api/v1/messages?channel=inbox&limit=2');
    expect(first.body.messages.map((message) => message.id)).toEqual([sentIds[2], sentIds[1]]);
    const rest = await get<Log>(`/api/v1/messages?channel=inbox&limit=2&cursor=${first.body.nextCursor ?? ''}`);
    expect(rest.body.messages.map((message) => message.id)).toEqual([sentIds[0]]);
    expect(rest.body.nextCursor).toBeNull();

    const bad = await get<{ error: { code: string; issues?: { field: string }[] } }>('/api/v1/messages?cursor=garbage');
    expect(bad.body.error).toMatchObject({ code: 'channels.cursor_invalid', issues: [{ field: 'cursor' }] });
    expect((await get<{ error: { code: string } }>('/api/v1/messages?from=soon')).body.error.code).toBe('channels.range_invalid');
    expect((await get('/api/v1/messages?channel=pigeon')).status).toBe(400);
    expect((await get('/api/v1/messages?status=lost')).status).toBe(400);
  });
});
