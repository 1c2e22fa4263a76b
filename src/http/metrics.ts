import { timingSafeEqual } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { IngestService } from '../ingest/index.js';
import type { Processor } from '../processor/index.js';
import type { Scheduler } from '../scheduler/index.js';
import { RapportError } from '../shared/errors.js';
import type { Tally } from '../shared/tally.js';
import type { LagSource } from '../processor/index.js';

/** What /metrics reads: in-process counters, and the figures the store holds (lag, queue). */
export interface MetricsDeps {
  ingest: Pick<IngestService, 'outcomes'>;
  processor: Pick<Processor, 'status'>;
  followers?: readonly LagSource[] | undefined;
  scheduler?: Pick<Scheduler, 'queueStats'> | undefined;
  /** Finished sends by channel and status (the channels module's count). */
  sends?: Tally | undefined;
  /** When set, only `Authorization: Bearer <token>` may scrape, and per-workspace figures are shown. */
  token: string | undefined;
}

/** Status class labels by the status code's first digit (no string built per request). */
const STATUS_CLASS = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** Seconds: from 1 ms (a cached read) to 30 s (an import or a report). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function bearerMatches(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization;
  if (header === undefined || !/^bearer /i.test(header)) return false;
  const given = Buffer.from(header.slice(7).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The figures read from the store at each scrape; a failing store leaves them out and says so. */
function storeGauges(shared: Registry, private_: Registry) {
  return {
    up: new Gauge({ name: 'rapport_store_up', help: 'Whether the store answered the queries behind this scrape (1) or not (0)', registers: [shared] }),
    lag: new Gauge({ name: 'rapport_processor_lag_events', help: 'Events appended but not yet processed, per partition (summed over workspaces)', labelNames: ['partition'], registers: [shared] }),
    lagSeconds: new Gauge({ name: 'rapport_processor_lag_seconds', help: 'Age of the oldest unprocessed event (0 when caught up)', registers: [shared] }),
    workspaceLag: new Gauge({
      name: 'rapport_processor_workspace_lag_events',
      help: 'Events appended but not yet processed, per workspace and partition (shown to the metrics token only)',
      labelNames: ['workspace', 'partition'],
      registers: [private_],
    }),
    followerLag: new Gauge({
      name: 'rapport_follower_lag_events',
      help: 'Events a log follower (journeys, ...) may read but has not, per partition (summed over workspaces)',
      labelNames: ['follower', 'partition'],
      registers: [shared],
    }),
    jobsPending: new Gauge({ name: 'rapport_jobs_pending', help: 'Scheduler jobs pending (due or not)', registers: [shared] }),
    jobsDead: new Gauge({ name: 'rapport_jobs_dead', help: 'Scheduler jobs that ran out of attempts', registers: [shared] }),
    jobsDue: new Gauge({ name: 'rapport_jobs_due', help: 'Pending jobs whose due time has passed (the queue depth)', registers: [shared] }),
    jobsOldestDue: new Gauge({ name: 'rapport_jobs_oldest_due_seconds', help: 'How long the oldest due job has waited past its due time', registers: [shared] }),
  };
}

type StoreGauges = ReturnType<typeof storeGauges>;

/** Sums `head - cursor` per partition over workspaces. */
function lagByPartition(positions: readonly { partition: number; head: number; cursor: number }[]): Map<number, number> {
  const sums = new Map<number, number>();
  for (const position of positions) sums.set(position.partition, (sums.get(position.partition) ?? 0) + Math.max(0, position.head - position.cursor));
  return sums;
}

async function readStore(gauges: StoreGauges, deps: MetricsDeps): Promise<void> {
  const [status, follows, queue] = await Promise.all([deps.processor.status(), Promise.all((deps.followers ?? []).map((follower) => follower.lag())), deps.scheduler?.queueStats()]);
  gauges.lag.reset();
  for (const [partition, lag] of lagByPartition(status.cursors)) gauges.lag.set({ partition: String(partition) }, lag);
  gauges.lagSeconds.set(status.lagEvents === 0 ? 0 : status.lagMs / 1000);
  gauges.workspaceLag.reset();
  for (const position of status.cursors) {
    gauges.workspaceLag.set({ workspace: position.workspaceId, partition: String(position.partition) }, Math.max(0, position.head - position.cursor));
  }
  gauges.followerLag.reset();
  for (const follow of follows) {
    for (const [partition, lag] of lagByPartition(follow.partitions)) gauges.followerLag.set({ follower: follow.name, partition: String(partition) }, lag);
  }
  if (queue !== undefined) {
    gauges.jobsPending.set(queue.pending);
    gauges.jobsDead.set(queue.dead);
    gauges.jobsDue.set(queue.due);
    gauges.jobsOldestDue.set(queue.oldestDueAgeMs / 1000);
  }
}

/** Copies a process-local tally into a Prometheus counter (the tally only grows, so the counter stays monotonic). */
function copyTally(counter: Counter<string>, tally: Tally | undefined, labelNames: readonly string[]): void {
  if (tally === undefined) return;
  counter.reset();
  for (const [labels, count] of tally.entries()) {
    const record: Record<string, string> = Object.create(null);
    labelNames.forEach((name, index) => {
      record[name] = labels[index] ?? '';
    });
    counter.inc(record, count);
  }
}

/**
 * Prometheus `GET /metrics` (text exposition format) and the request-latency histogram behind
 * it. Counters are this process's own (Prometheus sums them over processes); lag and queue
 * figures are read from the shared store at each scrape, so every process reports the same
 * value (aggregate them with max, not sum). Workspace ids appear only to the metrics token.
 * Call before the routes are registered, so the latency hook sees every route.
 * @example registerMetrics(app, { ingest, processor, token: config.operations.metricsToken });
 */
export function registerMetrics(app: FastifyInstance, deps: MetricsDeps): void {
  // A registry per app: tests build many apps in one process, and none sees another's figures.
  const shared = new Registry();
  const private_ = new Registry();
  const latency = new Histogram({
    name: 'rapport_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern (never the raw URL), method and status class',
    labelNames: ['route', 'method', 'status_class'],
    buckets: LATENCY_BUCKETS,
    registers: [shared],
  });
  const events = new Counter({ name: 'rapport_ingest_events_total', help: 'Tracking events by outcome (accepted, duplicate, rejected) in this process', labelNames: ['outcome'], registers: [shared] });
  const sends = new Counter({
    name: 'rapport_sends_total',
    help: 'Finished sends by channel and status (sent, failed, suppressed) in this process',
    labelNames: ['channel', 'status'],
    registers: [shared],
  });
  const loopDelay = new Gauge({
    name: 'rapport_event_loop_delay_seconds',
    help: 'Event-loop delay of the HTTP thread since the previous scrape (perf_hooks.monitorEventLoopDelay)',
    labelNames: ['quantile'],
    registers: [shared],
  });
  const rss = new Gauge({ name: 'rapport_process_resident_memory_bytes', help: 'Resident set size of this process', registers: [shared] });
  const gauges = storeGauges(shared, private_);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  app.addHook('onClose', async () => delay.disable());

  // Callback style: an async hook costs a promise and two microtasks on every response.
  app.addHook('onResponse', (request, reply, done) => {
    // The pattern (`/api/v1/profiles/:id`), so label values stay few whatever clients send.
    const route = request.routeOptions.url ?? 'unmatched';
    latency.observe({ route, method: request.method, status_class: STATUS_CLASS[Math.floor(reply.statusCode / 100)] ?? 'other' }, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const authorised = deps.token !== undefined && bearerMatches(request, deps.token);
    if (deps.token !== undefined && !authorised) throw new RapportError('unauthorized', 'this server needs `Authorization: Bearer <RAPPORT_METRICS_TOKEN>` to serve /metrics');
    copyTally(events, deps.ingest.outcomes, ['outcome']);
    copyTally(sends, deps.sends, ['channel', 'status']);
    for (const quantile of [50, 90, 99]) loopDelay.set({ quantile: String(quantile / 100) }, delay.count === 0 ? 0 : delay.percentile(quantile) / 1e9);
    loopDelay.set({ quantile: '1' }, delay.count === 0 ? 0 : delay.max / 1e9);
    delay.reset();
    rss.set(process.memoryUsage.rss());
    try {
      await readStore(gauges, deps);
      gauges.up.set(1);
    } catch (error) {
      request.log.warn({ err: error }, 'metrics: the store did not answer');
      // No figure from an earlier scrape stands in for one the store could not give now.
      for (const gauge of Object.values(gauges)) gauge.reset();
      gauges.up.set(0);
    }
    const text = (await shared.metrics()) + (authorised ? await private_.metrics() : '');
    return reply.header('Content-Type', shared.contentType).header('Cache-Control', 'no-store').send(text);
  });
}
