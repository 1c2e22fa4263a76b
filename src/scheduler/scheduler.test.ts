import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, dialects, type TestStore } from '../../test/helpers/databases.js';
import { waitFor } from '../../test/helpers/server.js';
import { manualClock, systemClock } from '../shared/clock.js';
import { claimDueJobs } from './store/jobs.js';
import { insertWorkspace } from '../workspaces/store/workspaces.js';
import { scheduleChore } from './chores.js';
import { backoff, Scheduler, type Job } from './scheduler.js';

const WS = 'ws1';
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

describe.each(dialects)('Scheduler on %s', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await createTestStore(dialect);
  });
  afterEach(async () => {
    await store.drop();
  });

  it('runs a job when it is due, not before, and then deletes it', async () => {
    const clock = manualClock(T0);
    const scheduler = new Scheduler({ database: store.database, clock });
    const seen: Job[] = [];
    scheduler.register<{ n: number }>('test.echo', async (job) => {
      seen.push(job);
    });
    await scheduler.enqueue({ workspaceId: WS, kind: 'test.echo', key: 'a', payload: { n: 1 }, dueAt: T0 + 1000 });
    expect(await scheduler.runDue()).toBe(0);
    clock.advance(999);
    expect(await scheduler.runDue()).toBe(0);
    clock.advance(1);
    expect(await scheduler.runDue()).toBe(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ workspaceId: WS, key: 'a', kind: 'test.echo', payload: { n: 1 }, dueAt: T0 + 1000, attempt: 1 });
    expect(await scheduler.get(WS, 'a')).toBeUndefined();
    expect(await scheduler.runDue()).toBe(0);
  });

  it('dedupes on key, lets an upsert move a timer, and cancels', async () => {
    const clock = manualClock(T0);
    const scheduler = new Scheduler({ database: store.database, clock });
    const seen: unknown[] = [];
    scheduler.register('test.echo', async (job) => {
      seen.push(job.payload);
    });
    expect(await scheduler.enqueue({ workspaceId: WS, kind: 'test.echo', key: 'k', payload: 'first', dueAt: T0 + 100 })).toBe(1);
    expect(await scheduler.enqueue({ workspaceId: WS, kind: 'test.echo', key: 'k', payload: 'second', dueAt: T0 + 50 })).toBe(0);
    // Another workspace may use the same key.
    expect(await scheduler.enqueue({ workspaceId: 'ws2', kind: 'test.echo', key: 'k', payload: 'other', dueAt: T0 + 100 })).toBe(1);
    await scheduler.schedule({ workspaceId: WS, kind: 'test.echo', key: 'k', payload: 'moved', dueAt: T0 + 5000 });
    clock.advance(100);
    expect(await scheduler.runDue()).toBe(1);
    expect(seen).toEqual(['other']);
    clock.advance(5000);
    expect(await scheduler.runDue()).toBe(1);
    expect(seen).toEqual(['other', 'moved']);
    await scheduler.enqueue({ workspaceId: WS, kind: 'test.echo', key: 'gone', dueAt: T0 });
    expect(await scheduler.cancel(WS, 'gone')).toBe(true);
    expect(await scheduler.cancel(WS, 'gone')).toBe(false);
    expect(await scheduler.runDue()).toBe(0);
  });

  it('retries with exponential backoff, then dead-letters with the reason, and can revive', async () => {
    const clock = manualClock(T0);
    const scheduler = new Scheduler({ database: store.database, clock });
    let calls = 0;
    let fail = true;
    scheduler.register(
      'test.flaky',
      async () => {
        calls += 1;
        if (fail) throw new Error(`provider down (${calls})`);
      },
      { maxAttempts: 3, backoffMs: 1000 },
    );
    await scheduler.enqueue({ workspaceId: WS, kind: 'test.flaky', key: 'f' });
    expect(await scheduler.runDue()).toBe(1);
    const afterFirst = await scheduler.get(WS, 'f');
    expect(afterFirst?.attempts).toBe(1);
    expect(afterFirst?.lastError).toContain('provider down (1)');
    // First retry after 1 s ± 20%.
    expect(afterFirst?.dueAt).toBeGreaterThanOrEqual(T0 + 800);
    expect(afterFirst?.dueAt).toBeLessThanOrEqual(T0 + 1200);
    clock.advance(1200);
    expect(await scheduler.runDue()).toBe(1);
    const afterSecond = await scheduler.get(WS, 'f');
    // Second retry after 2 s ± 20%.
    expect((afterSecond?.dueAt ?? 0) - clock.now()).toBeGreaterThanOrEqual(1600);
    expect((afterSecond?.dueAt ?? 0) - clock.now()).toBeLessThanOrEqual(2400);
    clock.advance(2400);
    expect(await scheduler.runDue()).toBe(1);
    const dead = await scheduler.deadLetters(WS);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.deadReason).toBe('gave up after 3 attempts: Error: provider down (3)');
    clock.advance(3_600_000);
    expect(await scheduler.runDue()).toBe(0);
    fail = false;
    await scheduler.retryDead(WS, 'f');
    expect(await scheduler.runDue()).toBe(1);
    expect(calls).toBe(4);
    expect(await scheduler.counts(WS)).toEqual({ pending: 0, dead: 0 });
  });

  it('lets a handler reschedule its own job (a recurring timer) and keeps a concurrent upsert', async () => {
    const clock = manualClock(T0);
    const scheduler = new Scheduler({ database: store.database, clock });
    const runs: number[] = [];
    scheduler.register<{ every: number }>('test.tick', async (job) => {
      runs.push(clock.now());
      if (runs.length === 2) {
        // Someone moves this job while it runs: their version wins over the reschedule.
        await scheduler.schedule({ workspaceId: WS, kind: 'test.tick', key: 'tick', payload: job.payload, dueAt: T0 + 100_000 });
      }
      return { rescheduleAt: job.dueAt + job.payload.every };
    });
    await scheduler.enqueue({ workspaceId: WS, kind: 'test.tick', key: 'tick', payload: { every: 10_000 }, dueAt: T0 });
    await scheduler.runDue();
    clock.advance(10_000);
    await scheduler.runDue();
    expect(runs).toEqual([T0, T0 + 10_000]);
    expect((await scheduler.get(WS, 'tick'))?.dueAt).toBe(T0 + 100_000);
  });

  it('renews the leases of a job that runs longer than a lease, so no other worker runs it meanwhile', async () => {
    const clock = manualClock(T0);
    const runs: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const worker = (name: string) => {
      const scheduler = new Scheduler({ database: store.database, clock, leaseMs: 3000, workerId: name });
      scheduler.register('test.slow', async () => {
        runs.push(name);
        await held;
      });
      return scheduler;
    };
    const first = worker('w1');
    await first.enqueue({ workspaceId: WS, kind: 'test.slow', key: 'train' });
    const running = first.runDue();
    await waitFor('the first worker to start', () => (runs.length === 1 ? true : undefined));
    // The lease would have run out long ago: the running worker must have moved it.
    clock.advance(60_000);
    const leaseUntil = async () => Number((await store.database.db.selectFrom('jobs').select('lease_until').where('key', '=', 'train').executeTakeFirstOrThrow()).lease_until);
    await waitFor('the lease renewed', async () => ((await leaseUntil()) > clock.now() ? true : undefined), 10_000);
    expect(await worker('w2').runDue()).toBe(0);
    release();
    expect(await running).toBe(1);
    expect(runs).toEqual(['w1']);
  });

  it('gives a crashed worker’s job to another worker once the lease runs out, and stops after max attempts', async () => {
    const clock = manualClock(T0);
    const scheduler = new Scheduler({ database: store.database, clock, leaseMs: 30_000 });
    const seen: number[] = [];
    scheduler.register(
      'test.echo',
      async (job) => {
        seen.push(job.attempt);
      },
      { maxAttempts: 2 },
    );
    await scheduler.enqueue([
      { workspaceId: WS, kind: 'test.echo', key: 'c' },
      { workspaceId: WS, kind: 'test.echo', key: 'd' },
    ]);
    // A worker claims the jobs and dies (never reports).
    const crash = () => store.database.transaction((trx) => claimDueJobs(trx, { now: clock.now(), owner: 'dead-worker', leaseUntil: clock.now() + 30_000, limit: 1, kinds: ['test.echo'] }));
    expect(await crash()).toHaveLength(1);
    expect(await scheduler.runDue()).toBe(1);
    expect(seen).toEqual([1]);
    clock.advance(30_000);
    expect(await scheduler.runDue()).toBe(1);
    expect(seen).toEqual([1, 2]);
    // A job that kills its worker every time is dead-lettered instead of looping forever.
    await scheduler.enqueue({ workspaceId: WS, kind: 'test.echo', key: 'poison' });
    await crash();
    clock.advance(30_000);
    await crash();
    clock.advance(30_000);
    expect(await scheduler.runDue()).toBe(1);
    expect(seen).toEqual([1, 2]);
    const [dead] = await scheduler.deadLetters(WS);
    expect(dead?.key).toBe('poison');
    expect(dead?.deadReason).toContain('its worker stopped or its lease ran out');
  });

  it('lets several workers share one store with every job run exactly once', async () => {
    const clock = manualClock(T0);
    const counts = new Map<string, number>();
    const workers = Array.from({ length: 3 }, (_, index) => {
      const scheduler = new Scheduler({ database: store.database, clock, batchSize: 20, workerId: `w${index}` });
      scheduler.register('test.count', async (job) => {
        counts.set(job.key, (counts.get(job.key) ?? 0) + 1);
        await new Promise((resolve) => setImmediate(resolve));
      });
      return scheduler;
    });
    const first = workers[0];
    if (first === undefined) throw new Error('no worker');
    await first.enqueue(Array.from({ length: 300 }, (_, i) => ({ workspaceId: WS, kind: 'test.count', key: `j${i}`, dueAt: T0 + (i % 7) })));
    clock.advance(10);
    const ran = await Promise.all(workers.map((worker) => worker.runDue()));
    expect(ran.reduce((sum, n) => sum + n, 0)).toBe(300);
    expect(counts.size).toBe(300);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(await first.counts()).toEqual({ pending: 0, dead: 0 });
  });

  it('arms its timer to the earliest due job, and re-arms when an earlier one arrives', async () => {
    const scheduler = new Scheduler({ database: store.database, clock: systemClock, maxSleepMs: 60_000 });
    const fired = new Map<string, number>();
    scheduler.register('test.timer', async (job) => {
      fired.set(job.key, Date.now());
    });
    const now = Date.now();
    await scheduler.enqueue({ workspaceId: WS, kind: 'test.timer', key: 'late', dueAt: now + 50_000 });
    scheduler.start();
    try {
      // The loop is now asleep until the late job (50 s away); a job due in 40 ms must wake it.
      await new Promise((resolve) => setTimeout(resolve, 30));
      const due = Date.now() + 40;
      await scheduler.enqueue({ workspaceId: WS, kind: 'test.timer', key: 'soon', dueAt: due });
      const deadline = Date.now() + 10_000;
      while (!fired.has('soon') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(fired.get('soon')).toBeGreaterThanOrEqual(due);
      expect(fired.has('late')).toBe(false);
    } finally {
      await scheduler.stop();
    }
  });

  it('runs a chore per workspace, reschedules it, retries a failure and keeps it dead with the reason', async () => {
    const clock = manualClock(T0);
    const { database } = store;
    for (const id of ['shop-a', 'shop-b']) await insertWorkspace(database.db, { id, name: id, createdAt: T0 });
    const scheduler = new Scheduler({ database, clock });
    const runs: string[] = [];
    const chore = {
      kind: 'test.sweep',
      everyMs: HOUR,
      maxAttempts: 2,
      backoffMs: 1000,
      run: async (workspaceId: string) => {
        runs.push(workspaceId);
        if (workspaceId === 'shop-b') throw new Error('store of shop-b refused the sweep');
      },
    };
    await scheduleChore(scheduler, { database, clock }, chore);
    // A second start only enqueues: the kind is registered once, the jobs exist once.
    await scheduleChore(scheduler, { database, clock }, chore);
    expect((await scheduler.get('shop-a', 'test.sweep'))?.dueAt).toBe(T0 + HOUR);

    clock.advance(HOUR - 1);
    expect(await scheduler.runDue()).toBe(0);
    clock.advance(1);
    await scheduler.runDue();
    expect(runs.sort()).toEqual(['shop-a', 'shop-b']);
    expect(await scheduler.get('shop-a', 'test.sweep')).toMatchObject({ status: 'pending', dueAt: T0 + 2 * HOUR, attempts: 0 });
    const retried = await scheduler.get('shop-b', 'test.sweep');
    expect(retried).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('store of shop-b refused the sweep') });

    clock.advance(10_000);
    await scheduler.runDue();
    const dead = await scheduler.deadLetters('shop-b');
    expect(dead.map((job) => [job.kind, job.deadReason])).toEqual([['test.sweep', expect.stringContaining('store of shop-b refused the sweep')]]);

    // Retryable by hand, and a workspace created meanwhile gets its job with the next run.
    await insertWorkspace(database.db, { id: 'shop-c', name: 'shop-c', createdAt: clock.now() });
    await scheduler.retryDead('shop-b', 'test.sweep');
    runs.length = 0;
    chore.run = async (workspaceId: string) => {
      runs.push(workspaceId);
    };
    await scheduler.runDue();
    expect(runs).toEqual(['shop-b']);
    expect(await scheduler.get('shop-b', 'test.sweep')).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await scheduler.get('shop-c', 'test.sweep'))?.kind).toBe('test.sweep');
  });
});

describe('backoff', () => {
  it('doubles per attempt within ±20% and stops at the cap', () => {
    const options = { backoffMs: 1000, maxBackoffMs: 10_000 };
    expect(backoff(1, options, () => 0.5)).toBe(1000);
    expect(backoff(2, options, () => 0.5)).toBe(2000);
    expect(backoff(3, options, () => 0)).toBe(3200);
    expect(backoff(4, options, () => 1)).toBe(9600);
    expect(backoff(10, options, () => 0.5)).toBe(10_000);
  });
});
