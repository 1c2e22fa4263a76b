import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { registerReadiness, type Phase } from '../../src/http/readiness.js';
import { pendingMigrations } from '../../src/storage/migrator.js';
import { createTestStore, dialects } from '../helpers/databases.js';
import { ADMIN_TOKEN, WORKSPACE, WRITE_KEY, basicAuth, startTestRapport, waitFor, type TestRapport } from '../helpers/server.js';

/*
 * The operator's endpoints (docs/deploy.md): /metrics in Prometheus text format, open with
 * aggregate figures only, or behind RAPPORT_METRICS_TOKEN with per-workspace figures.
 */
const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

/** The value of one sample line (`name{labels} value`), or undefined when the text has none. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels === '' ? '' : `{${labels}}`} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The sum of every sample of `name` whose labels contain `having` (partitions differ by dialect: 1 on SQLite, 8 on PostgreSQL). */
function total(text: string, name: string, having = ''): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(having))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe.each(dialects)('GET /metrics (%s)', (dialect) => {
  let open: TestRapport;
  let guarded: TestRapport;

  beforeAll(async () => {
    open = await startTestRapport(dialect);
    guarded = await startTestRapport(dialect, { RAPPORT_METRICS_TOKEN: METRICS_TOKEN });
  });
  afterAll(async () => {
    await open?.stop();
    await guarded?.stop();
  });

  it('counts accepted, duplicate and rejected events, sends by channel and status, and lag per partition', async () => {
    const app = open.rapport.app;
    const batch = [
      { type: 'track', userId: 'u1', event: 'Viewed', messageId: 'm1' },
      { type: 'track', userId: 'u1', event: 'Viewed', messageId: 'm2' },
      { type: 'track', event: 'No user', messageId: 'm3' },
    ];
    expect((await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { batch } })).statusCode).toBe(200);
    // m1 again: a duplicate.
    expect((await app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { batch: [batch[0]] } })).statusCode).toBe(200);
    const sent = await open.rapport.messaging.channels.send({ workspaceId: WORKSPACE, profileId: 'nobody', channel: 'inbox', templateId: 't', idempotencyKey: 'metrics-test' });
    expect(sent.status).toBe('suppressed');

    const answer = await app.inject({ method: 'GET', url: '/metrics' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = answer.body;
    expect(sample(text, 'rapport_ingest_events_total', 'outcome="accepted"')).toBe(2);
    expect(sample(text, 'rapport_ingest_events_total', 'outcome="duplicate"')).toBe(1);
    expect(sample(text, 'rapport_ingest_events_total', 'outcome="rejected"')).toBe(1);
    expect(sample(text, 'rapport_sends_total', 'channel="inbox",status="suppressed"')).toBe(1);
    // The processor is off in these tests: the accepted events wait, as the processor itself counts them.
    const status = await open.rapport.processor.status();
    expect(status.lagEvents).toBeGreaterThanOrEqual(2);
    expect(total(text, 'rapport_processor_lag_events')).toBe(status.lagEvents);
    expect(sample(text, 'rapport_processor_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'rapport_store_up')).toBe(1);
    expect(sample(text, 'rapport_jobs_pending')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'rapport_jobs_oldest_due_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'rapport_event_loop_delay_seconds', 'quantile="0.99"')).toBeGreaterThanOrEqual(0);
  });

  it('reports follower lag per follower and partition once events are processed', async () => {
    const processing = await startTestRapport(dialect, {}, { overrides: { processor: 'inline' } });
    try {
      const app = processing.rapport.app;
      expect((await app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { userId: 'u1', event: 'Viewed' } })).statusCode).toBe(200);
      const text = await waitFor('the processor and its followers to catch up', async () => {
        const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
        const followers = body.split('\n').filter((line) => line.startsWith('rapport_follower_lag_events{'));
        return followers.length > 0 && total(body, 'rapport_processor_lag_events') === 0 && total(body, 'rapport_follower_lag_events') === 0 ? body : undefined;
      });
      expect(text).toMatch(/^rapport_follower_lag_events\{follower="[a-z-]+",partition="\d+"\} 0$/m);
      expect(sample(text, 'rapport_processor_lag_seconds')).toBe(0);
    } finally {
      await processing.stop();
    }
  });

  it('says rapport_store_up 0, and shows no stale store figures, when the store does not answer', async () => {
    const broken = await startTestRapport(dialect);
    try {
      await broken.rapport.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { userId: 'u1', event: 'Viewed' } });
      const before = (await broken.rapport.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(sample(before, 'rapport_store_up')).toBe(1);
      expect(total(before, 'rapport_processor_lag_events')).toBeGreaterThanOrEqual(1);
      await broken.rapport.database.close();
      const text = (await broken.rapport.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(sample(text, 'rapport_store_up')).toBe(0);
      // Labelled store figures vanish; unlabelled ones read 0 (Prometheus client libraries always show those).
      expect(text).not.toMatch(/^rapport_processor_lag_events\{/m);
      expect(sample(text, 'rapport_processor_lag_seconds')).toBe(0);
      // In-process figures are still there.
      expect(text).toMatch(/^rapport_http_request_duration_seconds_count\{route="\/metrics"/m);
    } finally {
      await broken.stop();
    }
  });

  it('labels request latency with the route pattern and status class, never the raw URL', async () => {
    const app = open.rapport.app;
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    expect((await app.inject({ method: 'GET', url: '/api/v1/profiles/secret-looking-id-1', headers: admin })).statusCode).toBe(404);
    await app.inject({ method: 'GET', url: '/no/such/path/abc' });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(text, 'rapport_http_request_duration_seconds_count', 'route="/api/v1/profiles/:id",method="GET",status_class="4xx"')).toBe(1);
    expect(text).not.toContain('secret-looking-id-1');
    expect(text).not.toContain('/no/such/path');
    expect(text).toContain('route="unmatched"');
  });

  it('shows no workspace id without the token, and refuses a scrape without it when one is set', async () => {
    const text = (await open.rapport.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).not.toContain(WORKSPACE);
    expect(text).not.toContain('workspace=');

    const app = guarded.rapport.app;
    await app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { userId: 'u1', event: 'Viewed' } });
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${ADMIN_TOKEN}`, `Basic ${METRICS_TOKEN}`]) {
      const refused = await app.inject({ method: 'GET', url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
      expect(refused.statusCode).toBe(401);
      expect(refused.body).not.toContain('rapport_');
    }
    const allowed = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(allowed.statusCode).toBe(200);
    expect(total(allowed.body, 'rapport_processor_workspace_lag_events', `workspace="${WORKSPACE}"`)).toBe((await guarded.rapport.processor.status()).lagEvents);
    expect(total(allowed.body, 'rapport_processor_workspace_lag_events', `workspace="${WORKSPACE}"`)).toBeGreaterThanOrEqual(1);
  });
});

describe.each(dialects)('GET /readyz (%s)', (dialect) => {
  let env: TestRapport;

  beforeAll(async () => {
    env = await startTestRapport(dialect);
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('is ready once started and migrated, while /healthz stays the liveness probe', async () => {
    const ready = await env.rapport.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', failed: [], checks: { started: 'ok', migrations: 'ok', processorLag: 'ok' } });
    expect((await env.rapport.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('echoes a safe X-Request-Id on every route, and generates one otherwise', async () => {
    const given = await env.rapport.app.inject({ method: 'GET', url: '/readyz', headers: { 'x-request-id': 'trace-42' } });
    expect(given.headers['x-request-id']).toBe('trace-42');
    const refused = await env.rapport.app.inject({ method: 'GET', url: '/api/v1/profiles', headers: { 'x-request-id': 'x'.repeat(200) } });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 503 naming each failed check: phase, migrations, a module, processor lag', async () => {
    const empty = await createTestStore(dialect, { migrate: false });
    const app = Fastify();
    let phase: Phase = 'starting';
    registerReadiness(app, {
      phase: () => phase,
      pendingMigrations: () => pendingMigrations(empty.database.db),
      modules: [{ name: 'replica', dependencies: [], health: () => ({ ok: false, reason: 'the replica file is locked by another process' }) }],
      // The real processor's status over the test store (not processing), with a 1 ms limit.
      processor: env.rapport.processor,
      maxLagMs: 1,
    });
    try {
      await env.rapport.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(WRITE_KEY) }, payload: { userId: 'u1', event: 'Viewed' } });
      const answer = await waitFor('the unprocessed event to be older than 1 ms', async () => {
        const response = await app.inject({ method: 'GET', url: '/readyz' });
        return response.json<{ failed: string[] }>().failed.includes('processorLag') ? response : undefined;
      });
      expect(answer.statusCode).toBe(503);
      const body = answer.json<{ status: string; failed: string[]; checks: Record<string, string> }>();
      expect(body.status).toBe('not_ready');
      expect(body.failed.sort()).toEqual(['migrations', 'module:replica', 'processorLag', 'started']);
      expect(body.checks.started).toBe('starting');
      expect(body.checks.migrations).toMatch(/^not applied: 0001-/);
      expect(body.checks['module:replica']).toBe('the replica file is locked by another process');
      expect(body.checks.processorLag).toMatch(/limit 0 s, \d+ events behind/);
      phase = 'stopping';
      expect((await app.inject({ method: 'GET', url: '/readyz' })).json<{ checks: Record<string, string> }>().checks.started).toBe('stopping');
    } finally {
      await app.close();
      await empty.drop();
    }
  });
});
