import { describe, expect, it } from 'vitest';
import { emptyState } from '../../profiles/state.js';
import type { JourneyDefinition } from '../definition.js';
import type { JourneyProfile } from '../journey-profile.js';
import type { JourneyWorkspaceSettings } from '../workspace-settings.js';
import { advance, pickArm, type Advance, type AdvanceFacts } from './advance.js';
import { compileJourney, type CompiledJourney } from './compiled.js';
import { dryRun } from './dry-run.js';
import { eventVerdict, resumeRun, stepKey, type JourneyRun, type RunContext } from './run-state.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 2, 12, 0); // Monday, noon UTC
type Node = JourneyDefinition['nodes'][number];

function journey(nodes: Node[], settings: JourneyDefinition['settings'] = {}): CompiledJourney {
  return compileJourney({ name: 'test', trigger: { type: 'api' }, start: nodes[0]?.id ?? 'x', nodes, settings });
}

function profile(traits: Record<string, unknown> = {}, id = 'prf_1'): JourneyProfile {
  const state = emptyState();
  for (const [key, value] of Object.entries(traits)) state.traits[key] = { v: value, t: T0 };
  return { id, traits, timeZone: undefined, subject: { profileId: id, state, scores: {}, events: new Map(), memberships: new Set() } };
}

function runAt(nodeId: string, context: RunContext = { trigger: { kind: 'api', properties: {}, at: T0 } }, profileId = 'prf_1'): JourneyRun {
  return {
    id: 'run_1',
    journeyId: 'jny_1',
    version: 1,
    profileId,
    status: 'active',
    nodeId,
    step: 0,
    wakeAt: null,
    waitEvent: null,
    waitMatch: null,
    context: JSON.stringify(context),
    arm: null,
    exitedAt: null,
    exitReason: null,
  };
}

function facts(overrides: Partial<AdvanceFacts> = {}, settings: JourneyWorkspaceSettings = {}): AdvanceFacts {
  return { workspaceId: 'ws', journeyStatus: 'active', profile: profile(), settings, sendCounts: new Map(), ...overrides };
}

const exit: Node = { id: 'end', type: 'exit' };
const visited = (result: Advance): string[] => result.steps.map((step) => step.nodeId);

describe('advance', () => {
  it('wait: arrives and sleeps for the duration, then moves on at its wake time', () => {
    const compiled = journey([{ id: 'w', type: 'wait', duration: { amount: 2, unit: 'hours' }, next: 'end' }, exit]);
    const first = advance(runAt('w'), compiled, facts(), T0);
    expect(first.next).toEqual({ rescheduleAt: T0 + 2 * HOUR });
    expect(first.run).toMatchObject({ status: 'waiting', wakeAt: T0 + 2 * HOUR, nodeId: 'w' });
    expect(first.steps[0]?.detail).toEqual({ until: new Date(T0 + 2 * HOUR).toISOString() });
    expect(advance(first.run, compiled, facts(), T0 + HOUR).next).toEqual({ rescheduleAt: T0 + 2 * HOUR });
    const second = advance(first.run, compiled, facts(), T0 + 2 * HOUR);
    expect(second.next).toEqual({ done: true });
    expect(second.run).toMatchObject({ status: 'completed', exitReason: 'completed', nodeId: 'end', step: 1 });
  });

  it('wait_until: waits for a date held in a trait, and leaves when the customer has none', () => {
    const compiled = journey([{ id: 'u', type: 'wait_until', date: 'trait.renewal', next: 'end' }, exit]);
    const date = T0 + 3 * DAY;
    const waiting = advance(runAt('u'), compiled, facts({ profile: profile({ renewal: new Date(date).toISOString() }) }), T0);
    expect(waiting.next).toEqual({ rescheduleAt: date });
    const missing = advance(runAt('u'), compiled, facts(), T0);
    expect(missing.next).toEqual({ done: true });
    expect(missing.run).toMatchObject({ status: 'exited', exitReason: 'missing_date' });
    expect(missing.steps[0]?.detail).toEqual({ status: 'no_date', date: 'trait.renewal' });
  });

  it('wait_event: waits keyed on the entry, resumes on the awaited event, times out otherwise', () => {
    const compiled = journey([
      { id: 'e', type: 'wait_event', event: 'Order Completed', matchKey: 'cart_id', timeout: { amount: 1, unit: 'days' }, next: 'bought', timeoutNext: 'end' },
      { id: 'bought', type: 'list', action: 'add', listId: 'buyers', next: 'end' },
      exit,
    ]);
    const entered = runAt('e', { trigger: { kind: 'event', properties: { cart_id: 'c1' }, at: T0 } });
    const waiting = advance(entered, compiled, facts(), T0);
    expect(waiting.run).toMatchObject({ status: 'waiting', waitEvent: 'Order Completed', waitMatch: 'c1', wakeAt: T0 + DAY });
    expect(eventVerdict(waiting.run, compiled, { name: 'Order Completed', properties: { cart_id: 'c2' } }, T0 + MIN)).toBeUndefined();
    expect(eventVerdict(waiting.run, compiled, { name: 'Order Completed', properties: { cart_id: 'c1' } }, T0 + MIN)).toEqual({ kind: 'resume' });
    const resumed = { ...waiting.run };
    resumeRun(resumed, { event: 'Order Completed', messageId: 'm1', properties: { cart_id: 'c1' } }, T0 + MIN);
    expect(visited(advance(resumed, compiled, facts(), T0 + MIN))).toEqual(['bought', 'end']);
    expect(visited(advance(waiting.run, compiled, facts(), T0 + DAY))).toEqual(['end']);
  });

  it('condition and split: evaluate parsed conditions on the customer; no profile takes the no branch', () => {
    const compiled = journey([
      { id: 'c', type: 'condition', condition: { type: 'trait', key: 'plan', op: 'equals', value: 'pro' }, yes: 's', no: 'end' },
      {
        id: 's',
        type: 'split',
        branches: [
          { name: 'de', condition: { type: 'trait', key: 'country', op: 'equals', value: 'DE' }, next: 'end' },
          { name: 'fr', condition: { type: 'trait', key: 'country', op: 'equals', value: 'FR' }, next: 'end' },
        ],
        otherwise: 'end',
      },
      exit,
    ]);
    const pro = advance(runAt('c'), compiled, facts({ profile: profile({ plan: 'pro', country: 'FR' }) }), T0);
    expect(pro.steps.map((step) => step.detail)).toEqual([{ result: true }, { branch: 'fr' }, {}]);
    const other = advance(runAt('c'), compiled, facts({ profile: profile({ plan: 'pro', country: 'IT' }) }), T0);
    expect(other.steps[1]?.detail).toEqual({ branch: 'otherwise' });
    expect(advance(runAt('c'), compiled, facts({ profile: undefined }), T0).steps[0]?.detail).toEqual({ result: false });
  });

  it('ab: a stable arm per customer, recorded on the run; the holdout leaves', () => {
    const node: Extract<Node, { type: 'ab' }> = { id: 'ab', type: 'ab', arms: [{ name: 'a', weight: 1, next: 'end' }], holdout: 1 };
    const compiled = journey([node, exit]);
    for (const profileId of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']) {
      const result = advance(runAt('ab', undefined, profileId), compiled, facts(), T0);
      const arm = pickArm(node, profileId, 'jny_1');
      expect(result.run.arm).toBe(`ab:${arm?.name ?? 'holdout'}`);
      expect(result.run.exitReason).toBe(arm === undefined ? 'holdout' : 'completed');
    }
  });

  it('send: commits a pending step with its idempotency key, then records the outcome and moves on', () => {
    const compiled = journey([{ id: 'mail', type: 'send', channel: 'email', templateId: 'welcome', next: 'end' }, exit]);
    const pending = advance(runAt('mail'), compiled, facts(), T0);
    const key = stepKey(runAt('mail'));
    expect(pending.next).toMatchObject({ effect: { kind: 'send', key, request: { templateId: 'welcome', profileId: 'prf_1', idempotencyKey: key } } });
    expect(pending.steps).toEqual([{ step: 0, nodeId: 'mail', kind: 'send', status: 'pending', key, detail: {} }]);
    expect(pending.sends).toEqual([{ key, channel: 'email', nodeId: 'mail', status: 'pending' }]);
    // A crash before the outcome: the next advance asks for the same effect again.
    expect(advance(pending.run, compiled, facts(), T0 + MIN).next).toEqual(pending.next);
    const done = advance(pending.run, compiled, facts({ outcome: { status: 'sent', detail: { messageId: 'msg_1' } } }), T0 + MIN);
    expect(done.steps[0]).toMatchObject({ key, status: 'done', confirms: true, detail: { status: 'sent', detail: { messageId: 'msg_1' } } });
    expect(done.sends).toEqual([{ key, channel: 'email', nodeId: 'mail', status: 'sent' }]);
    expect(done.run).toMatchObject({ status: 'completed', nodeId: 'end' });
  });

  it('send: skipped for the control group and past a frequency cap; held through quiet hours', () => {
    const compiled = journey([{ id: 'mail', type: 'send', channel: 'email', templateId: 'welcome', next: 'end' }, exit]);
    const control = advance(runAt('mail'), compiled, facts({}, { globalControlPercent: 100 }), T0);
    expect(control.steps[0]?.detail).toEqual({ status: 'skipped', reason: 'control' });
    const capped = advance(runAt('mail'), compiled, facts({ sendCounts: new Map([['email', { day: 2, week: 2 }]]) }, { frequencyCaps: { email: { perDay: 2 } } }), T0);
    expect(capped.sends).toEqual([{ key: stepKey(runAt('mail')), channel: 'email', nodeId: 'mail', status: 'capped' }]);
    const under = advance(runAt('mail'), compiled, facts({ sendCounts: new Map([['email', { day: 1, week: 1 }]]) }, { frequencyCaps: { email: { perDay: 2 } } }), T0);
    expect('effect' in under.next).toBe(true);
    const quiet = journey([{ id: 'mail', type: 'send', channel: 'email', templateId: 'welcome', next: 'end' }, exit], { quietHours: { start: '11:00', end: '14:00' }, timeZone: 'UTC' });
    const held = advance(runAt('mail'), quiet, facts(), T0);
    expect(held.next).toEqual({ rescheduleAt: Date.UTC(2026, 2, 2, 14, 0) });
    expect(held.run.status).toBe('waiting');
  });

  it('webhook, update_profile and list: effects for the first two, a list change in the transaction for the last', () => {
    const compiled = journey([
      { id: 'hook', type: 'webhook', url: 'https://example.com/hook', next: 'traits' },
      { id: 'traits', type: 'update_profile', traits: { vip: true }, next: 'list' },
      { id: 'list', type: 'list', action: 'remove', listId: 'leads', next: 'end' },
      exit,
    ]);
    const hook = advance(runAt('hook'), compiled, facts(), T0);
    expect(hook.next).toMatchObject({ effect: { kind: 'webhook', url: 'https://example.com/hook', body: { runId: 'run_1', profileId: 'prf_1' } } });
    const traits = advance(hook.run, compiled, facts({ outcome: { status: 'sent', detail: {} } }), T0);
    expect(traits.next).toMatchObject({ effect: { kind: 'update_profile', traits: { vip: true }, profileId: 'prf_1' } });
    const list = advance(traits.run, compiled, facts({ outcome: { status: 'done', detail: {} } }), T0);
    expect(list.lists).toEqual([{ action: 'remove', listId: 'leads', profileId: 'prf_1' }]);
    expect(list.run.status).toBe('completed');
  });

  it('journey status: a paused journey holds its runs, an archived one ends them; the input run is not changed', () => {
    const compiled = journey([{ id: 'w', type: 'wait', duration: { amount: 1, unit: 'hours' }, next: 'end' }, exit]);
    const run = runAt('w');
    const before = JSON.stringify(run);
    expect(advance(run, compiled, facts({ journeyStatus: 'paused' }), T0).run.status).toBe('paused');
    expect(advance(run, compiled, facts({ journeyStatus: 'archived' }), T0).run).toMatchObject({ status: 'exited', exitReason: 'archived' });
    expect(JSON.stringify(run)).toBe(before);
  });

  it('refuses a loop without a wait', () => {
    const compiled = journey([
      { id: 'a', type: 'list', action: 'add', listId: 'l', next: 'b' },
      { id: 'b', type: 'list', action: 'remove', listId: 'l', next: 'a' },
    ]);
    expect(() => advance(runAt('a'), compiled, facts(), T0)).toThrow(/loop without a wait/);
  });
});

/** Plays a run live: wakes at each wake time, performs each effect, resumes on the events that happen. */
function playLive(compiled: CompiledJourney, start: JourneyRun, base: AdvanceFacts, happens: readonly string[]): string[] {
  const path: string[] = [];
  let run = start;
  let now = T0;
  let outcome: AdvanceFacts['outcome'];
  for (let wake = 0; wake < 50; wake++) {
    const result = advance(run, compiled, { ...base, ...(outcome === undefined ? {} : { outcome }) }, now);
    outcome = undefined;
    run = result.run;
    path.push(...result.steps.filter((step) => step.confirms !== true).map((step) => step.nodeId));
    if ('done' in result.next) return path;
    if ('effect' in result.next) outcome = { status: 'sent', detail: {} };
    else if (run.waitEvent !== null && happens.includes(run.waitEvent)) resumeRun(run, { event: run.waitEvent, messageId: 'm', properties: {} }, now);
    else now = result.next.rescheduleAt;
  }
  return path;
}

describe('dry run', () => {
  const compiled = journey(
    [
      { id: 'w', type: 'wait', duration: { amount: 1, unit: 'hours' }, next: 'c' },
      { id: 'c', type: 'condition', condition: { type: 'trait', key: 'plan', op: 'equals', value: 'pro' }, yes: 'mail', no: 'e' },
      { id: 'mail', type: 'send', channel: 'email', templateId: 'pro-tips', next: 'e' },
      { id: 'e', type: 'wait_event', event: 'Order Completed', timeout: { amount: 2, unit: 'days' }, next: 'ab', timeoutNext: 'hook' },
      {
        id: 'ab',
        type: 'ab',
        arms: [
          { name: 'a', weight: 1, next: 'end' },
          { name: 'b', weight: 1, next: 'hook' },
        ],
      },
      { id: 'hook', type: 'webhook', url: 'https://example.com/hook', next: 'end' },
      exit,
    ],
    { quietHours: { start: '12:30', end: '15:00' }, timeZone: 'UTC' },
  );

  it.each([
    ['a pro customer who orders', { plan: 'pro' }, ['Order Completed']],
    ['a pro customer who does not order', { plan: 'pro' }, []],
    ['a free customer who orders', { plan: 'free' }, ['Order Completed']],
  ])('takes the same path as a live run over the same facts: %s', (_, traits, happens) => {
    const base = facts({ profile: profile(traits) });
    const dry = dryRun(compiled, runAt('w'), base, T0, { assumeEvents: happens });
    const live = playLive(compiled, runAt('w'), base, happens);
    // A hold (quiet hours) is told by the dry run; a live run records no step for it.
    expect(dry.filter((step) => !step.detail.startsWith('held by')).map((step) => step.nodeId)).toEqual(live);
    expect(live.length).toBeGreaterThan(3);
  });

  it('tells each step with its time: held sends, waits, events that happen or not', () => {
    const steps = dryRun(compiled, runAt('w'), facts({ profile: profile({ plan: 'pro' }) }), T0, {});
    expect(steps.map((step) => `${step.at.slice(5, 16)} ${step.nodeId}: ${step.detail}`)).toEqual([
      '03-02T12:00 w: wait 1 hours',
      '03-02T13:00 c: condition is true',
      '03-02T13:00 mail: held by quiet hours or the send window until 2026-03-02T15:00:00.000Z (UTC)',
      '03-02T15:00 mail: send email template pro-tips',
      '03-02T15:00 e: wait for "Order Completed" up to 2 days; it does not happen',
      '03-04T15:00 hook: POST https://example.com/hook',
      '03-04T15:00 end: exit',
    ]);
  });
});
