/**
 * Hostile benchmark: the built server on a fresh SQLite store, attacked by every class of the
 * security review at once while /healthz is sampled and ordinary clients send valid events:
 *
 * - `bigWriteKeyFlood`: unauthenticated ~500-byte gzip requests, each carrying a unique 400 KB write key
 * - `hostileBatches`: one valid item next to a 1e19 timestamp and properties nested 5,000 deep
 * - `prototypeNames`: `constructor` / `__proto__` / `toString` as event names, trait keys and admin route names
 * - `templatePreviews`: previews of nested loops and of `{% include '.env' %}`
 * - `ssrfDestinations`: webhook destinations at loopback, metadata and private space in every spelling
 * - `crossWorkspace`: a second workspace's token asking for the first workspace's ids
 * - `maxBatches`: valid batches near the 500 KB limit
 * - `validEvents`: ordinary tracking, read back at the end to count acknowledged events lost
 *
 * /healthz is probed from a worker thread every 20 ms, open-loop (bench/lib/healthz-probe.ts), so
 * neither the attack clients on this thread nor a stalled answer hide slow samples.
 * The limit, measured in the same run, is /healthz p99 with no attack. Figures may be bad while
 * holes are open: the bench reports what it saw and never stops on a failed request.
 *
 * After the combined attack (and the read-back), each attack class runs alone for
 * BENCH_CLASS_SECONDS with its own /healthz probe (`healthzAloneMs`), so the line shows which
 * class costs what; in the combined attack every class is in flight all the time and a sample
 * cannot be pinned on one.
 *
 * Environment: BENCH_SECONDS (default 20), BENCH_CONCURRENCY (per attack class, default 2),
 * BENCH_CLASS_SECONDS (each class alone, default 4; 0 skips), BENCH_VERBOSE=1 (phase times on stderr).
 * The last line of stdout is one JSON object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { machine, percentile, request, round, startServer, type HttpResult, type ServerProcess } from './lib/harness.js';
import { startHealthzProbe } from './lib/healthz-probe.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);
const CLASS_SECONDS = Number(process.env.BENCH_CLASS_SECONDS ?? 4);
const VERBOSE = process.env.BENCH_VERBOSE === '1';
const WRITE_KEY = 'WK_HOSTILE';
const ADMIN = 'ADM_HOSTILE';
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

interface ClassFigures {
  sent: number;
  byStatus: Record<string, number>;
  errors5xx: number;
  /** Requests that got no HTTP answer (connection refused or reset). */
  noAnswer: number;
}

const figures = new Map<string, ClassFigures>();
/** Where `send` counts: `figures` for the combined attack, a map of its own for the classes run alone. */
let counting = figures;

function figuresOf(name: string): ClassFigures {
  let entry = counting.get(name);
  if (entry === undefined) {
    entry = { sent: 0, byStatus: Object.create(null), errors5xx: 0, noAnswer: 0 };
    counting.set(name, entry);
  }
  return entry;
}

/** Sends one request of an attack class and counts its outcome; never throws. */
async function send(attack: string, port: number, options: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<HttpResult | undefined> {
  const entry = figuresOf(attack);
  entry.sent += 1;
  try {
    const result = await request({ port, ...options });
    entry.byStatus[result.status] = (entry.byStatus[result.status] ?? 0) + 1;
    if (result.status >= 500) entry.errors5xx += 1;
    return result;
  } catch {
    entry.noAnswer += 1;
    return undefined;
  }
}

const adminHeaders = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

function rssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? null : round(Number(match[1]) / 1024);
  } catch {
    return null;
  }
}

/** JSON text of an object nested `depth` deep, written directly: JSON.stringify of it overflows the stack. */
function nestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}"deep"${'}'.repeat(depth)}`;
}

function parse(result: HttpResult | undefined): unknown {
  if (result === undefined) return undefined;
  try {
    return JSON.parse(result.body);
  } catch {
    return undefined;
  }
}

function field(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = typeof current === 'object' && current !== null ? Reflect.get(current, key) : undefined;
  return current;
}

/** Sets up what the attacks aim at: a second workspace, a profile, templates, a segment. */
async function prepare(port: number) {
  const other = parse(await send('setup', port, { method: 'POST', path: '/api/v1/workspaces', headers: adminHeaders(ADMIN), body: JSON.stringify({ id: 'other', name: 'Other shop' }) }));
  const otherToken = String(field(other, 'adminToken', 'secret') ?? 'missing');
  await send('setup', port, {
    method: 'POST',
    path: '/v1/track',
    headers: { authorization: basic(WRITE_KEY), 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'victim', event: 'Signed Up' }),
  });
  let profileId = 'missing';
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = parse(await send('setup', port, { method: 'GET', path: '/api/v1/profiles/lookup?type=user_id&value=victim', headers: adminHeaders(ADMIN) }));
    const id = field(found, 'id');
    if (typeof id === 'string') {
      profileId = id;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const template = async (name: string, body: string) =>
    String(
      field(
        parse(
          await send('setup', port, {
            method: 'POST',
            path: '/api/v1/templates',
            headers: adminHeaders(ADMIN),
            body: JSON.stringify({ name, channel: 'sms', source: { default: { body } }, publish: true }),
          }),
        ),
        'id',
      ) ?? 'missing',
    );
  const loops = await template('loops', '{% for a in (1..3000) %}{% for b in (1..3000) %}{{ a }}{{ b }}{% endfor %}{% endfor %}');
  const include = await template('include', "{% include '.env' %}{% render 'data/link-secret' %}");
  const segment = String(
    field(
      parse(
        await send('setup', port, {
          method: 'POST',
          path: '/api/v1/segments',
          headers: adminHeaders(ADMIN),
          body: JSON.stringify({ name: 'VIP', condition: { type: 'trait', key: 'plan', op: 'equals', value: 'vip' } }),
        }),
      ),
      'id',
    ) ?? 'missing',
  );
  return { otherToken, profileId, loops, include, segment };
}

type Targets = Awaited<ReturnType<typeof prepare>>;

/** Each attack class: one step, run in a loop by CONCURRENCY workers until the attack ends. */
function attacks(port: number, targets: Targets, acknowledged: Set<string>): Record<string, (n: number) => Promise<unknown>> {
  const trackHeaders = { authorization: basic(WRITE_KEY), 'content-type': 'application/json' };
  const bigKey = 'k'.repeat(400 * 1024);
  return {
    bigWriteKeyFlood: (n) =>
      send('bigWriteKeyFlood', port, {
        method: 'POST',
        path: '/v1/batch',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(JSON.stringify({ writeKey: `${bigKey}${n}-${Math.random()}`, batch: [] })),
      }),
    hostileBatches: async (n) => {
      const messageId = `hostile-valid-${n}-${Math.random()}`;
      const valid = JSON.stringify({ type: 'track', userId: `h${n}`, event: 'Valid Sibling', messageId });
      const future = JSON.stringify({ type: 'track', userId: `h${n}`, event: 'Far Future', timestamp: 1e19 });
      const deep = `{"type":"track","userId":"h${n}","event":"Deep","properties":${nestedJson(5000)}}`;
      const result = await send('hostileBatches', port, { method: 'POST', path: '/v1/batch', headers: trackHeaders, body: `{"batch":[${valid},${future},${deep}]}` });
      // The valid sibling counts as acknowledged only when the answer says it was accepted.
      if (result?.status === 200 && !result.body.includes(messageId)) acknowledged.add(messageId);
    },
    prototypeNames: async (n) => {
      const name = ['constructor', '__proto__', 'toString', 'hasOwnProperty'][n % 4] ?? 'constructor';
      await send('prototypeNames', port, { method: 'POST', path: '/v1/track', headers: trackHeaders, body: JSON.stringify({ userId: `p${n}`, event: name, properties: { [name]: 1 } }) });
      await send('prototypeNames', port, { method: 'POST', path: '/v1/identify', headers: trackHeaders, body: JSON.stringify({ userId: `p${n}`, traits: { [name]: 'x', nested: { [name]: 'y' } } }) });
      await send('prototypeNames', port, { method: 'POST', path: `/api/v1/journeys/recipes/${name}`, headers: adminHeaders(ADMIN), body: '{}' });
      await send('prototypeNames', port, { method: 'GET', path: `/api/v1/templates/${name}`, headers: adminHeaders(ADMIN) });
      await send('prototypeNames', port, { method: 'PUT', path: `/api/v1/recommendations/rules/${name}`, headers: adminHeaders(ADMIN), body: '{}' });
      await send('prototypeNames', port, {
        method: 'POST',
        path: '/api/v1/analytics/funnels',
        headers: adminHeaders(ADMIN),
        body: JSON.stringify({ steps: [{ event: name }, { event: '__proto__' }], from: '2020-01-01T00:00:00Z', to: '2030-01-01T00:00:00Z' }),
      });
    },
    templatePreviews: async (n) => {
      const id = n % 2 === 0 ? targets.loops : targets.include;
      await send('templatePreviews', port, { method: 'POST', path: `/api/v1/templates/${id}/preview`, headers: adminHeaders(ADMIN), body: JSON.stringify({ profileId: targets.profileId }) });
    },
    ssrfDestinations: async (n) => {
      const forms = [
        'http://[::ffff:127.0.0.1]:4000/',
        'http://[::ffff:169.254.169.254]/',
        'http://[::ffff:10.0.0.1]/',
        'http://2130706433/',
        'http://0x7f.0.0.1/',
        'http://017700000001/',
        'http://169.254.169.254/latest/meta-data/',
        'http://127.1/',
        'http://[::1]/',
        'http://localhost/',
      ];
      const url = forms[n % forms.length] ?? 'http://127.0.0.1/';
      await send('ssrfDestinations', port, { method: 'POST', path: '/api/v1/channels/webhooks', headers: adminHeaders(ADMIN), body: JSON.stringify({ url, allowPrivate: n % 3 === 0 }) });
    },
    crossWorkspace: async (n) => {
      const attempts = [
        { method: 'GET', path: `/api/v1/segments/${targets.segment}` },
        { method: 'GET', path: `/api/v1/templates/${targets.loops}` },
        { method: 'GET', path: `/api/v1/profiles/${targets.profileId}` },
        { method: 'POST', path: `/api/v1/templates/${targets.loops}/preview`, body: JSON.stringify({ profileId: targets.profileId }) },
        { method: 'DELETE', path: `/api/v1/segments/${targets.segment}` },
      ];
      const attempt = attempts[n % attempts.length] ?? { method: 'GET', path: '/' };
      await send('crossWorkspace', port, { ...attempt, headers: adminHeaders(targets.otherToken) });
    },
    maxBatches: async (n) => {
      const batch = [];
      // About 450 KB: just under the 500 KB batch limit of the ingest spec.
      for (let i = 0; i < 1800; i++)
        batch.push({ type: 'track', userId: `m${n}-${i % 50}`, event: 'Product Viewed', messageId: `max-${n}-${i}-${Math.random()}`, properties: { product_id: `p${i}`, pad: 'x'.repeat(100) } });
      await send('maxBatches', port, { method: 'POST', path: '/v1/batch', headers: trackHeaders, body: JSON.stringify({ batch }) });
    },
    validEvents: async (n) => {
      const messageId = `valid-${n}-${Math.random()}`;
      const result = await send('validEvents', port, {
        method: 'POST',
        path: '/v1/track',
        headers: trackHeaders,
        body: JSON.stringify({ userId: `v${n % 100}`, event: 'Order Completed', messageId, properties: { revenue: 10 } }),
      });
      if (result?.status === 200) acknowledged.add(messageId);
      await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}

function succeeded(attack: string): number {
  const byStatus = figures.get(attack)?.byStatus ?? {};
  return Object.entries(byStatus).reduce((sum, [status, n]) => sum + (Number(status) < 300 ? n : 0), 0);
}

/** Reads back each acknowledged messageId; an event that is not in the log was lost. */
async function countLost(port: number, acknowledged: Set<string>): Promise<number> {
  let lost = 0;
  for (const messageId of acknowledged) {
    const found = parse(
      await request({ port, method: 'GET', path: `/api/v1/events?messageId=${encodeURIComponent(messageId)}&limit=1`, headers: { authorization: `Bearer ${ADMIN}` } }).catch(() => undefined),
    );
    const events = field(found, 'events');
    if (!Array.isArray(events) || events.length === 0) lost += 1;
  }
  return lost;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-hostile-'));
  let server: ServerProcess | undefined;
  try {
    server = await startServer({ RAPPORT_DATA_DIR: dataDir, RAPPORT_BOOTSTRAP_WRITE_KEY: WRITE_KEY, RAPPORT_BOOTSTRAP_ADMIN_TOKEN: ADMIN, RAPPORT_LOG_LEVEL: 'error' }, { startupMs: 120_000 });
    const { port, child } = server;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    child.once('exit', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
    });
    const targets = await prepare(port);

    // The limit: /healthz with nothing else going on.
    const quietProbe = startHealthzProbe(port);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const quiet = await quietProbe.stop();
    const rssBefore = rssMb(child.pid);

    const acknowledged = new Set<string>();
    const steps = attacks(port, targets, acknowledged);
    const attackUntil = Date.now() + SECONDS * 1000;
    const over = () => Date.now() > attackUntil || exitCode !== null || exitSignal !== null;
    let counter = 0;
    let rssPeak = rssBefore ?? 0;
    const rssTimer = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssMb(child.pid) ?? 0);
    }, 250);
    const run = (classSteps: ((n: number) => Promise<unknown>)[], done: () => boolean) =>
      classSteps.flatMap((step) =>
        Array.from({ length: CONCURRENCY }, async () => {
          while (!done()) {
            counter += 1;
            await step(counter).catch(() => undefined);
          }
        }),
      );
    const phase = (name: string, edge: 'start' | 'end') => {
      if (VERBOSE) process.stderr.write(`phase ${name} ${edge} ${Date.now()}\n`);
    };
    phase('all', 'start');
    const workers = run(Object.values(steps), over);
    const probe = startHealthzProbe(port);
    await Promise.all(workers);
    const samples = await probe.stop();
    phase('all', 'end');
    clearInterval(rssTimer);
    const rssAfter = rssMb(child.pid);
    const crashed = exitCode !== null || exitSignal !== null;

    // Let the processor settle, then read back every acknowledged event.
    await new Promise((resolve) => setTimeout(resolve, crashed ? 0 : 2000));
    const lost = crashed ? acknowledged.size : await countLost(port, acknowledged);

    // Each attack class alone (ordinary clients excluded), after the read-back so its events do not count.
    const alone: Record<string, { p99: number; max: number; samples: number; sent: number; errors5xx: number; noAnswer: number }> = Object.create(null);
    const aloneSteps = attacks(port, targets, new Set());
    counting = new Map();
    for (const [name, step] of Object.entries(aloneSteps)) {
      if (CLASS_SECONDS <= 0 || name === 'validEvents' || exitCode !== null || exitSignal !== null) continue;
      const until = Date.now() + CLASS_SECONDS * 1000;
      phase(name, 'start');
      const classProbe = startHealthzProbe(port);
      await Promise.all(run([step], () => Date.now() > until || exitCode !== null || exitSignal !== null));
      const classSamples = await classProbe.stop();
      phase(name, 'end');
      const sent = counting.get(name);
      alone[name] = {
        p99: round(percentile(classSamples, 99)),
        max: round(classSamples.at(-1) ?? 0),
        samples: classSamples.length,
        sent: sent?.sent ?? 0,
        errors5xx: sent?.errors5xx ?? 0,
        noAnswer: sent?.noAnswer ?? 0,
      };
    }
    const crashedAlone = !crashed && (exitCode !== null || exitSignal !== null);

    const classes: Record<string, ClassFigures> = Object.create(null);
    for (const [name, entry] of figures) classes[name] = entry;
    const result = {
      bench: 'hostile',
      machine: machine(),
      seconds: SECONDS,
      concurrencyPerClass: CONCURRENCY,
      requestsSent: Object.fromEntries([...figures].filter(([name]) => name !== 'setup').map(([name, entry]) => [name, entry.sent])),
      errors5xx: [...figures].reduce((sum, [, entry]) => sum + entry.errors5xx, 0),
      crashes: crashed || crashedAlone ? 1 : 0,
      exit: crashed || crashedAlone ? { code: exitCode, signal: exitSignal } : null,
      rssMb: { before: rssBefore, peak: round(rssPeak), after: rssAfter },
      healthzMs: { p50: round(percentile(samples, 50)), p99: round(percentile(samples, 99)), max: round(samples.at(-1) ?? 0), samples: samples.length },
      limit: { healthzP99QuietMs: round(percentile(quiet, 99)), samples: quiet.length },
      /** /healthz while one class ran alone for classSeconds, after the combined attack. */
      classSeconds: CLASS_SECONDS,
      healthzAloneMs: alone,
      /** Answers that succeeded where the attack should have been refused. */
      accepted: { crossWorkspace: succeeded('crossWorkspace'), ssrfDestinations: succeeded('ssrfDestinations') },
      acknowledgedEvents: acknowledged.size,
      acknowledgedEventsLost: lost,
      classes,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  // The bench reports rather than crashes: a server that never came up is a figure too.
  process.stdout.write(`${JSON.stringify({ bench: 'hostile', machine: machine(), error: error instanceof Error ? error.message : String(error) })}\n`);
  process.exitCode = 1;
}
