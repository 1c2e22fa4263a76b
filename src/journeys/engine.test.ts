import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../../test/helpers/databases.js';
import { journeyHarness, WS, type JourneyHarness } from '../../test/helpers/journeys.js';
import type { MessageSender, SendRequest } from '../channels/sender.js';
import { ProfileService } from '../profiles/profile-service.js';
import { RapportError } from '../shared/errors.js';
import { listMembers } from './store/journeys-activity.js';
import { stepsOfRun } from './store/journeys.js';
import { insertMembers } from '../segments/store/segments.js';
import type { JourneyDefinition } from './definition.js';
import { createJourneys } from './journeys.js';
import { pickArm } from './models/advance.js';
import { RecordingSender } from './recording-sender.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 2, 12, 0); // Monday
const iso = (ms: number): string => new Date(ms).toISOString();

function send(id: string, templateId: string, next: string, channel: 'email' | 'sms' = 'email'): JourneyDefinition['nodes'][number] {
  return { id, type: 'send', channel, templateId, next };
}

describe.each(dialects)('journey engine on %s', (dialect) => {
  let h: JourneyHarness;
  afterEach(async () => {
    await h.stop();
  });

  async function start(definition: JourneyDefinition): Promise<string> {
    const journey = await h.journeys.service.create(WS, definition);
    await h.journeys.service.activate(WS, journey.id);
    await h.settle();
    return journey.id;
  }

  it('waits until a time of day in the customer’s zone, and for an event matched on its key, with a timeout', async () => {
    h = await journeyHarness(dialect, T0);
    await start({
      name: 'waits',
      trigger: { type: 'event', event: 'Checkout Started', entryKey: 'cart_id' },
      start: 'morning',
      nodes: [
        { id: 'morning', type: 'wait_until', time: '09:00', next: 'asked' },
        send('asked', 'ask', 'pay'),
        { id: 'pay', type: 'wait_event', event: 'Payment Info Entered', matchKey: 'cart_id', timeout: { amount: 2, unit: 'hours' }, next: 'thanks', timeoutNext: 'nudge' },
        send('thanks', 'thanks', 'end'),
        send('nudge', 'nudge', 'end'),
        { id: 'end', type: 'exit' },
      ],
      settings: { entry: { mode: 'once_per_key' } },
    });
    await h.identify('tokyo', { email: 't@example.com', timezone: 'Asia/Tokyo' });
    await h.identify('paris', { email: 'p@example.com', timezone: 'Europe/Paris' });
    await h.track('tokyo', 'Checkout Started', { cart_id: 'k1' });
    await h.track('paris', 'Checkout Started', { cart_id: 'k2' });
    // Tokyo 9:00 on 3 March is 00:00 UTC; Paris 9:00 is 08:00 UTC.
    await h.advanceTo(Date.UTC(2026, 2, 3, 0, 30));
    // An event for another cart does not resume the run; the right cart does.
    await h.track('tokyo', 'Payment Info Entered', { cart_id: 'other' });
    await h.track('tokyo', 'Payment Info Entered', { cart_id: 'k1' });
    await h.advance(DAY);
    const tokyo = await h.profileOf('tokyo');
    const paris = await h.profileOf('paris');
    expect(h.sends(tokyo)).toEqual([`ask@${iso(Date.UTC(2026, 2, 3, 0))}`, `thanks@${iso(Date.UTC(2026, 2, 3, 0, 30))}`]);
    expect(h.sends(paris)).toEqual([`ask@${iso(Date.UTC(2026, 2, 3, 8))}`, `nudge@${iso(Date.UTC(2026, 2, 3, 10))}`]);
  });

  it('splits on conditions, updates the profile, changes lists, calls a webhook, and exits', async () => {
    h = await journeyHarness(dialect, T0);
    const calls: { key: string | undefined; body: unknown }[] = [];
    const server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        calls.push({ key: request.headers['idempotency-key'] as string | undefined, body: JSON.parse(body) as unknown });
        response.writeHead(calls.length === 1 ? 503 : 200).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await start({
        name: 'branches',
        trigger: { type: 'event', event: 'Signed Up' },
        start: 'vip',
        nodes: [
          { id: 'vip', type: 'condition', condition: { type: 'trait', key: 'plan', op: 'equals', value: 'gold' }, yes: 'mark', no: 'tier' },
          { id: 'mark', type: 'update_profile', traits: { vip: true }, next: 'hook' },
          { id: 'hook', type: 'webhook', url: `http://127.0.0.1:${port}/hook`, next: 'list-vip' },
          { id: 'list-vip', type: 'list', action: 'add', listId: 'vips', next: 'end' },
          {
            id: 'tier',
            type: 'split',
            branches: [
              { name: 'silver', condition: { type: 'trait', key: 'plan', op: 'equals', value: 'silver' }, next: 'silver-mail' },
              { name: 'free', condition: { type: 'trait', key: 'plan', op: 'equals', value: 'free' }, next: 'unlist' },
            ],
            otherwise: 'end',
          },
          send('silver-mail', 'silver', 'end'),
          { id: 'unlist', type: 'list', action: 'remove', listId: 'vips', next: 'end' },
          { id: 'end', type: 'exit' },
        ],
      });
      await h.identify('gold', { email: 'g@example.com', plan: 'gold' });
      await h.identify('silver', { email: 's@example.com', plan: 'silver' });
      await h.identify('free', { email: 'f@example.com', plan: 'free' });
      await h.identify('plain', { email: 'n@example.com' });
      await h.track('gold', 'Signed Up');
      // The webhook answered 503 the first time: the job retries with backoff under the same key.
      await h.advance(MIN);
      await h.track('free', 'Signed Up');
      await h.track('silver', 'Signed Up');
      await h.track('plain', 'Signed Up');
      await h.advance(HOUR);
      expect(calls).toHaveLength(2);
      expect(calls[0]?.key).toBe(calls[1]?.key);
      expect(calls[1]?.body).toMatchObject({ profileId: await h.profileOf('gold'), nodeId: 'hook' });
      const gold = await new ProfileService({ database: h.store.database }).getProfile(WS, await h.profileOf('gold'));
      expect(gold?.traits.vip).toBe(true);
      expect(await listMembers(h.store.database.db, WS, 'vips')).toEqual([await h.profileOf('gold')]);
      expect(h.sends()).toEqual([`silver@${iso(T0 + MIN)}`]);
      const report = await h.journeys.service.report(WS, (await h.journeys.service.list(WS))[0]?.id ?? '');
      expect(report).toMatchObject({ entered: 4, completed: 4 });
      expect(report.nodes.find((node) => node.nodeId === 'tier')?.reached).toBe(3);
      expect(report.nodes.find((node) => node.nodeId === 'unlist')?.reached).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('splits on segment membership as the segments module keeps it', async () => {
    h = await journeyHarness(dialect, T0);
    await start({
      name: 'members',
      trigger: { type: 'event', event: 'Go' },
      start: 'vip',
      nodes: [
        { id: 'vip', type: 'condition', condition: { type: 'segment', segmentId: 'seg_vip' }, yes: 'gold', no: 'plain' },
        send('gold', 'vip-offer', 'end'),
        send('plain', 'standard-offer', 'end'),
        { id: 'end', type: 'exit' },
      ],
    });
    await h.identify('ann', { email: 'ann@example.com' });
    await h.identify('bob', { email: 'bob@example.com' });
    const ann = await h.profileOf('ann');
    await h.store.database.transaction((trx) => insertMembers(trx, h.store.database, WS, [{ segmentId: 'seg_vip', profileId: ann, enteredAt: T0 }]));
    await h.track('ann', 'Go');
    await h.track('bob', 'Go');
    expect(h.sends(ann)).toEqual([`vip-offer@${iso(T0)}`]);
    expect(h.sends(await h.profileOf('bob'))).toEqual([`standard-offer@${iso(T0)}`]);
  });

  it('reaches the goal of a run started before the customer’s profile was merged', async () => {
    h = await journeyHarness(dialect, T0);
    const id = await start({
      name: 'merge',
      trigger: { type: 'event', event: 'Product Added', entryKey: 'cart_id' },
      start: 'w',
      nodes: [{ id: 'w', type: 'wait', duration: { amount: 1, unit: 'hours' }, next: 's' }, send('s', 'late', 'end'), { id: 'end', type: 'exit' }],
      settings: { entry: { mode: 'once_per_key' }, goal: { event: 'Order Completed', matchKey: 'cart_id' } },
    });
    await h.identify('zed', { email: 'zed@example.com' });
    // An anonymous visitor fills a cart, then logs in: the two profiles merge.
    await h.track('', 'Product Added', { cart_id: 'c9' }, { userId: undefined, anonymousId: 'anon-9' });
    await h.track('zed', 'Logged In', {}, { anonymousId: 'anon-9' });
    await h.track('zed', 'Order Completed', { cart_id: 'c9', order_id: 'o9', revenue: 12 });
    await h.advance(2 * HOUR);
    expect(h.sends()).toEqual([]);
    // The run still names the profile that was merged away.
    const [run] = await h.journeys.service.runs(WS, id);
    expect(run?.profileId).not.toBe(await h.profileOf('zed'));
    const report = await h.journeys.service.report(WS, id);
    expect(report.exited).toEqual({ goal: 1 });
    // Reached before the journey sent anything: a goal, but no credit to the journey.
    expect(report.conversions.goal).toEqual({ runs: 0, revenue: 0 });
  });

  it('A/B/n split with a holdout arm: a stable arm per customer, holdout leaves', async () => {
    h = await journeyHarness(dialect, T0);
    const definition: JourneyDefinition = {
      name: 'ab',
      trigger: { type: 'event', event: 'Go' },
      start: 'ab',
      nodes: [
        {
          id: 'ab',
          type: 'ab',
          arms: [
            { name: 'a', weight: 1, next: 'a' },
            { name: 'b', weight: 1, next: 'b' },
          ],
          holdout: 1,
        },
        send('a', 'tpl-a', 'end'),
        send('b', 'tpl-b', 'end'),
        { id: 'end', type: 'exit' },
      ],
    };
    const id = await start(definition);
    const users = Array.from({ length: 30 }, (_, i) => `u${i}`);
    for (const user of users) await h.track(user, 'Go');
    await h.settle();
    const node = definition.nodes[0];
    if (node?.type !== 'ab') throw new Error('no ab');
    const expected = { a: 0, b: 0, holdout: 0 };
    for (const user of users) expected[(pickArm(node, await h.profileOf(user), id)?.name ?? 'holdout') as 'a' | 'b' | 'holdout'] += 1;
    expect(h.sender.sent.filter((request) => request.templateId === 'tpl-a')).toHaveLength(expected.a);
    expect(h.sender.sent.filter((request) => request.templateId === 'tpl-b')).toHaveLength(expected.b);
    expect(expected.holdout).toBeGreaterThan(0);
    const report = await h.journeys.service.report(WS, id);
    expect(report.exited).toEqual({ holdout: expected.holdout });
    expect(Object.fromEntries(report.arms.map((arm) => [arm.arm, arm.entered]))).toEqual(Object.fromEntries(Object.entries(expected).filter(([, n]) => n > 0)));
  });

  it('entry rules: once, once per key, re-entry after N days', async () => {
    h = await journeyHarness(dialect, T0);
    const one = (name: string, settings: JourneyDefinition['settings'], entryKey?: string): JourneyDefinition => ({
      name,
      trigger: { type: 'event', event: name, ...(entryKey === undefined ? {} : { entryKey }) },
      start: 's',
      nodes: [send('s', name, 'end'), { id: 'end', type: 'exit' }],
      settings,
    });
    await start(one('once', { entry: { mode: 'once' } }));
    await start(one('perkey', { entry: { mode: 'once_per_key' } }, 'order_id'));
    await start(one('again', { entry: { mode: 'reenter', reenterAfterDays: 3 } }));
    for (let day = 0; day < 5; day++) {
      await h.track('ann', 'once');
      await h.track('ann', 'perkey', { order_id: day % 2 === 0 ? 'x' : 'y' });
      await h.track('ann', 'again');
      await h.advance(DAY);
    }
    const count = (template: string): number => h.sender.sent.filter((request) => request.templateId === template).length;
    expect(count('once')).toBe(1);
    expect(count('perkey')).toBe(2);
    // Days 0 and 3.
    expect(count('again')).toBe(2);
  });

  it('frequency caps across journeys, the global control group, and quiet hours in the customer’s zone', async () => {
    h = await journeyHarness(dialect, Date.UTC(2026, 2, 2, 13, 0));
    await h.journeys.service.updateSettings(WS, { frequencyCaps: { email: { perDay: 2 } }, globalControlPercent: 20 });
    for (const name of ['j1', 'j2', 'j3']) {
      await start({
        name,
        trigger: { type: 'event', event: 'Ping' },
        start: 's',
        nodes: [send('s', name, 'end'), { id: 'end', type: 'exit' }],
        settings: { quietHours: { start: '21:00', end: '08:00' } },
      });
    }
    const users = Array.from({ length: 20 }, (_, i) => `c${i}`);
    for (const user of users) await h.identify(user, { email: `${user}@example.com`, timezone: 'Asia/Tokyo' });
    for (const user of users) await h.track(user, 'Ping');
    await h.advance(DAY);
    const { inGlobalControl } = await import('./workspace-settings.js');
    let controlled = 0;
    for (const user of users) {
      const profileId = await h.profileOf(user);
      const sends = h.sends(profileId);
      if (inGlobalControl(profileId, 20)) {
        controlled += 1;
        expect(sends).toEqual([]);
      } else {
        // 13:00 UTC is 22:00 in Tokyo: held until 08:00 Tokyo (23:00 UTC); the third is capped.
        expect(sends).toHaveLength(2);
        expect(sends.every((entry) => entry.endsWith(`@${iso(Date.UTC(2026, 2, 2, 23))}`))).toBe(true);
      }
    }
    expect(controlled).toBeGreaterThan(0);
    expect(controlled).toBeLessThan(users.length);
  });

  it('pause holds customers, resume picks them up, archive ends them; versions are kept per run until migrated', async () => {
    h = await journeyHarness(dialect, T0);
    const v1: JourneyDefinition = {
      name: 'versions',
      trigger: { type: 'event', event: 'Go' },
      start: 'w',
      nodes: [{ id: 'w', type: 'wait', duration: { amount: 1, unit: 'days' }, next: 's' }, send('s', 'v1', 'end'), { id: 'end', type: 'exit' }],
      settings: { entry: { mode: 'reenter' } },
    };
    const id = await start(v1);
    await h.track('ann', 'Go');
    await h.track('bob', 'Go');
    await h.journeys.service.update(WS, id, { ...v1, nodes: [{ id: 'w', type: 'wait', duration: { amount: 1, unit: 'days' }, next: 's' }, send('s', 'v2', 'end'), { id: 'end', type: 'exit' }] });
    await h.track('carl', 'Go');
    await h.journeys.service.pause(WS, id);
    // Entries stop while paused.
    await h.track('dora', 'Go');
    await h.advance(2 * DAY);
    expect(h.sends()).toEqual([]);
    await h.journeys.service.resume(WS, id);
    await h.settle();
    expect(h.sender.sent.map((request) => request.templateId).sort()).toEqual(['v1', 'v1', 'v2']);
    // Migration: a v1 run moves to v2 explicitly.
    await h.track('ann', 'Go');
    await h.journeys.service.update(WS, id, { ...v1, nodes: [{ id: 'w', type: 'wait', duration: { amount: 1, unit: 'days' }, next: 's' }, send('s', 'v3', 'end'), { id: 'end', type: 'exit' }] });
    expect(await h.journeys.service.migrateRuns(WS, id, 2)).toEqual({ moved: 1, toVersion: 3 });
    await h.advance(2 * DAY);
    expect(h.sender.sent.at(-1)?.templateId).toBe('v3');
    await h.track('bob', 'Go');
    await h.journeys.service.archive(WS, id);
    await h.advance(2 * DAY);
    expect(h.sender.sent).toHaveLength(4);
    const report = await h.journeys.service.report(WS, id);
    expect(report.exited).toEqual({ archived: 1 });
    await expect(h.journeys.service.activate(WS, id)).rejects.toThrow(/archived/);
  });

  it('enters on a segment entered event and through the API', async () => {
    h = await journeyHarness(dialect, T0);
    const seg = await start({ name: 'seg', trigger: { type: 'segment', segmentId: 'seg_vip', on: 'entered' }, start: 's', nodes: [send('s', 'welcome-vip', 'end'), { id: 'end', type: 'exit' }] });
    const api = await start({ name: 'api', trigger: { type: 'api' }, start: 's', nodes: [send('s', 'api-mail', 'end'), { id: 'end', type: 'exit' }] });
    await h.identify('ann', { email: 'ann@example.com' });
    const ann = await h.profileOf('ann');
    // What the segments module appends when a profile enters a segment.
    await h.ingest.appendSystem({ workspaceId: WS, sourceId: null, receivedAt: h.clock.now() }, [
      { type: 'track', event: 'Segment Entered', messageId: 'seg-1', properties: { segment_id: 'seg_vip', segment_name: 'VIP', profile_id: ann } },
      { type: 'track', event: 'Segment Entered', messageId: 'seg-2', properties: { segment_id: 'seg_other', profile_id: ann } },
    ]);
    await h.settle();
    const entered = await h.journeys.service.enter(WS, api, { identifier: { type: 'email', value: 'ANN@example.com' }, properties: { reason: 'test' } });
    expect(entered.profileId).toBe(ann);
    await h.settle();
    expect(h.sends(ann).map((entry) => entry.split('@')[0])).toEqual(['welcome-vip', 'api-mail']);
    expect((await h.journeys.service.report(WS, seg)).entered).toBe(1);
    await expect(h.journeys.service.enter(WS, api, { identifier: { type: 'email', value: 'nobody@example.com' } })).rejects.toThrow(/no profile/);
  });

  it('commits a send before attempting it: a failure after the provider took it re-sends under the same key, once', async () => {
    const recording = new RecordingSender();
    let crash = true;
    const flaky: MessageSender = {
      async send(request: SendRequest) {
        const result = await recording.send(request);
        // The provider took the message, then the process "died" before recording the outcome.
        if (crash) {
          crash = false;
          throw new Error('connection reset after the provider accepted the message');
        }
        return result;
      },
    };
    h = await journeyHarness(dialect, T0, { sender: flaky });
    const journeys = h.journeys;
    const journey = await journeys.service.create(WS, { name: 'x', trigger: { type: 'event', event: 'Go' }, start: 's', nodes: [send('s', 'once', 'end'), { id: 'end', type: 'exit' }] });
    await journeys.service.activate(WS, journey.id);
    await h.track('ann', 'Go');
    await h.settle();
    const [run] = await journeys.service.runs(WS, journey.id);
    const steps = await stepsOfRun(h.store.database.db, WS, run?.id ?? '');
    expect(steps.map((step) => [step.nodeId, step.status])).toEqual([['s', 'pending']]);
    await h.advance(MIN);
    expect(recording.calls).toBe(2);
    expect(recording.sent).toHaveLength(1);
    const after = await stepsOfRun(h.store.database.db, WS, run?.id ?? '');
    expect(after.map((step) => [step.nodeId, step.status])).toEqual([
      ['s', 'done'],
      ['end', 'done'],
    ]);
    expect(after[0]?.idempotencyKey).toBe(recording.sent[0]?.idempotencyKey);
  });

  it('dry-runs a journey for one profile, step by step with times', async () => {
    h = await journeyHarness(dialect, T0);
    const id = await start({
      name: 'dry',
      trigger: { type: 'event', event: 'Go' },
      start: 'w',
      nodes: [
        { id: 'w', type: 'wait', duration: { amount: 2, unit: 'hours' }, next: 'c' },
        { id: 'c', type: 'condition', condition: { type: 'computed', key: 'orders', op: 'gte', value: 1 }, yes: 'buyer', no: 'ev' },
        send('buyer', 'buyer', 'end'),
        { id: 'ev', type: 'wait_event', event: 'Order Completed', timeout: { amount: 1, unit: 'days' }, next: 'end', timeoutNext: 'late' },
        send('late', 'late', 'end'),
        { id: 'end', type: 'exit' },
      ],
      settings: { quietHours: { start: '22:00', end: '07:00' } },
    });
    await h.identify('ann', { email: 'ann@example.com', timezone: 'America/New_York' });
    const steps = await h.journeys.service.dryRun(WS, id, await h.profileOf('ann'));
    expect(steps.map((step) => [step.at, step.nodeId, step.detail])).toEqual([
      [iso(T0), 'w', 'wait 2 hours'],
      [iso(T0 + 2 * HOUR), 'c', 'condition is false'],
      [iso(T0 + 2 * HOUR), 'ev', 'wait for "Order Completed" up to 1 days; it does not happen'],
      // 14:00 UTC on 3 March is 09:00 in New York: outside quiet hours.
      [iso(T0 + 26 * HOUR), 'late', 'send email template late'],
      [iso(T0 + 26 * HOUR), 'end', 'exit'],
    ]);
    expect(h.sender.sent).toHaveLength(0);
    const happens = await h.journeys.service.dryRun(WS, id, await h.profileOf('ann'), { assumeEvents: ['Order Completed'] });
    expect(happens.map((step) => step.nodeId)).toEqual(['w', 'c', 'ev', 'end']);
  });

  it('rejects invalid definitions with errors that name the node', async () => {
    h = await journeyHarness(dialect, T0);
    const base = { name: 'bad', trigger: { type: 'event', event: 'Go' }, start: 'a' };
    const issues = async (definition: unknown): Promise<string[]> => {
      try {
        await h.journeys.service.create(WS, definition);
        return [];
      } catch (error) {
        if (!(error instanceof RapportError)) throw error;
        return error.issues.map((issue) => issue.message);
      }
    };
    expect(await issues({ ...base, nodes: [send('a', 't', 'end'), { id: 'end', type: 'exit' }, { id: 'orphan', type: 'exit' }] })).toEqual(['node "orphan" cannot be reached from the start node "a"']);
    expect(
      await issues({
        ...base,
        nodes: [send('a', 't', 'b'), { id: 'b', type: 'condition', condition: { type: 'computed', key: 'orders', op: 'gte', value: 1 }, yes: 'a', no: 'end' }, { id: 'end', type: 'exit' }],
      }),
    ).toEqual(['node "a" is on a cycle without a wait (a → b → a); add a wait node to the loop']);
    // A loop through a wait is fine.
    expect(await issues({ ...base, nodes: [send('a', 't', 'w'), { id: 'w', type: 'wait', duration: { amount: 1, unit: 'days' }, next: 'a' }] })).toEqual([]);
    expect(await issues({ ...base, nodes: [send('a', 't', 'nowhere')] })).toEqual(['node "a" leads to "nowhere", which does not exist']);
    expect(
      (
        await issues({
          ...base,
          nodes: [
            { id: 'a', type: 'condition', condition: { type: 'trait', key: 'x', op: 'bogus' }, yes: 'e', no: 'e' },
            { id: 'e', type: 'exit' },
          ],
        })
      )[0],
    ).toMatch(/^node "a": .*bogus/);
    expect(
      (
        await issues({
          ...base,
          nodes: [
            { id: 'a', type: 'send', channel: 'fax', templateId: 't', next: 'e' },
            { id: 'e', type: 'exit' },
          ],
        })
      )[0],
    ).toMatch(/node \(id "a"\)/);
    const strict = createJourneys({ database: h.store.database, sender: new RecordingSender(), clock: h.clock, templates: async (_ws, ids) => ids.filter((id) => id !== 'known') });
    await expect(strict.service.create(WS, { ...base, nodes: [send('a', 'known', 'b'), send('b', 'missing', 'e'), { id: 'e', type: 'exit' }] })).rejects.toThrow(
      'node "b" sends template "missing", which does not exist; create it first',
    );
  });

  it('runs a scheduled broadcast to its audience once per occurrence', async () => {
    h = await journeyHarness(dialect, T0);
    await h.identify('buyer', { email: 'b@example.com' });
    await h.track('buyer', 'Order Completed', { order_id: 'o1', revenue: 10 });
    await h.identify('browser', { email: 'w@example.com' });
    await start({
      name: 'flash sale',
      trigger: { type: 'schedule', at: iso(T0 + HOUR), every: { amount: 1, unit: 'days' }, until: iso(T0 + HOUR + 2 * DAY), audience: { type: 'computed', key: 'orders', op: 'gte', value: 1 } },
      start: 's',
      nodes: [send('s', 'flash', 'end'), { id: 'end', type: 'exit' }],
    });
    await h.advance(5 * DAY);
    expect(h.sends()).toEqual([`flash@${iso(T0 + HOUR)}`, `flash@${iso(T0 + HOUR + DAY)}`, `flash@${iso(T0 + HOUR + 2 * DAY)}`]);
  });
});
