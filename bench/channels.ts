/*
 * Channels benchmark: how fast Rapport renders personalised emails (Liquid over MJML compiled
 * once per template version) and sends them to an SMTP server on loopback with pooled
 * connections, against the limit measured in the same run: raw nodemailer sends of the same
 * prerendered message over the same pool. Sizes: BENCH_CHANNELS_PROFILES (default 200),
 * BENCH_CHANNELS_RENDERS (5000), BENCH_CHANNELS_SENDS (2000), BENCH_CHANNELS_CONCURRENCY (32),
 * BENCH_CHANNELS_POOL (5 SMTP connections), BENCH_CHANNELS_WARMUP (300 untimed sends per path). The SMTP server runs in its own process. The last
 * line is one JSON object.
 */
import nodemailer from 'nodemailer';
import { spawn } from 'node:child_process';
import os from 'node:os';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SmtpEmailProvider } from '../src/channels/providers/email-smtp.js';
import { compileSource } from '../src/templates/compile.js';
import { starterTemplates } from '../src/templates/starters.js';
import { systemClock } from '../src/shared/clock.js';
import type { Profile } from '../src/profiles/profile-service.js';
import { createChannelShop } from '../test/helpers/channel-shop.js';
import { machine } from './lib/harness.js';

const env = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
};

const PROFILES = env('BENCH_CHANNELS_PROFILES', 200);
const RENDERS = env('BENCH_CHANNELS_RENDERS', 5000);
const SENDS = env('BENCH_CHANNELS_SENDS', 2000);
const CONCURRENCY = env('BENCH_CHANNELS_CONCURRENCY', 32);
const POOL = env('BENCH_CHANNELS_POOL', 5);
const WARMUP = env('BENCH_CHANNELS_WARMUP', 300);

/** CPU milliseconds this process spent per item in the last `runConcurrent` (less noisy than rates on a shared machine). */
let lastCpuMsPerItem = 0;

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; returns seconds. */
async function runConcurrent(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        await task(index);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  lastCpuMsPerItem = (used.user + used.system) / 1000 / count;
  return (performance.now() - started) / 1000;
}

/** Starts the SMTP sink in a child process; `received()` asks it how many messages it took. */
async function startSink(): Promise<{ url: string; received: () => Promise<number>; close: () => Promise<void> }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./lib/smtp-sink.mjs', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const port = Number(await next());
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: async () => {
      const answer = next();
      child.stdin.write('count\n');
      return Number(await answer);
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.write('exit\n');
      }),
  };
}

async function main(): Promise<void> {
  const sink = await startSink();
  const provider = new SmtpEmailProvider({ url: sink.url, from: 'Shop <news@shop.example>', maxConnections: POOL });
  const shop = await createChannelShop('sqlite', { clock: systemClock, providers: { email: provider } });
  try {
    process.stderr.write(`seeding ${PROFILES} profiles with carts...\n`);
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < PROFILES; i++) {
      items.push({ type: 'identify', userId: `u${i}`, traits: { email: `customer${i}@example.com`, first_name: `Customer${i}`, ...(i % 5 === 0 ? { locale: 'fr-FR' } : {}) } });
      for (let j = 0; j < 3; j++)
        items.push({ type: 'track', userId: `u${i}`, event: 'Product Added', properties: { product_id: `p${(i + j) % 50}`, name: `Product ${(i + j) % 50}`, price: 10 + j, quantity: 1 } });
    }
    for (let start = 0; start < items.length; start += 1000) await shop.track(items.slice(start, start + 1000));
    await shop.catalog.upsertProducts(
      'ws',
      Array.from({ length: 50 }, (_, i) => ({ id: `p${i}`, name: `Product ${i}`, price: 10 + (i % 7), currency: 'EUR', url: `https://shop.example/p/${i}` })),
    );
    const starter = starterTemplates.find((entry) => entry.key === 'cart_reminder');
    if (starter === undefined) throw new Error('cart_reminder starter missing');

    // MJML compile cost, paid once per version instead of once per message.
    const compileRuns = 20;
    let started = performance.now();
    for (let i = 0; i < compileRuns; i++) await compileSource('email', starter.source);
    const compileMs = (performance.now() - started) / compileRuns;

    const { template } = await shop.templates.create('ws', { name: starter.name, channel: 'email', source: starter.source });
    const profiles: Profile[] = [];
    for (let i = 0; i < PROFILES; i++) {
      const profile = await shop.profiles.lookupProfile('ws', 'user_id', `u${i}`);
      if (profile === undefined) throw new Error(`profile u${i} missing`);
      profiles.push(profile);
    }

    // Render rate: Liquid over the precompiled MJML, for real people (catalog lookups included).
    const resolved = await shop.templates.resolve('ws', template.id);
    const lookups = {
      product: async (id: string) => {
        const product = await shop.catalog.getProduct('ws', id);
        return product === undefined
          ? undefined
          : { id: product.id, name: product.name, url: product.url, image_url: product.image_url, price: product.price, currency: product.currency, category: product.category, brand: product.brand };
      },
      recommendations: async () => [],
    };
    let renderedBytes = 0;
    const renderOne = async (i: number) => {
      const profile = profiles[i % profiles.length];
      if (profile === undefined) return 0;
      const rendered = await shop.templates.render(
        resolved,
        typeof profile.traits.locale === 'string' ? profile.traits.locale : undefined,
        {
          profile: { ...profile.traits, first_name: profile.traits.firstName, computed: profile.computed },
          cart: profile.computed.openCart,
          coupon: { code: `CART-${i}`, description: '10% off' },
          unsubscribe_url: 'https://r.example/u/x',
        },
        lookups,
      );
      return (rendered.html?.length ?? 0) + rendered.text.length;
    };
    for (let i = 0; i < Math.min(WARMUP, RENDERS); i++) await renderOne(i);
    started = performance.now();
    for (let i = 0; i < RENDERS; i++) renderedBytes += await renderOne(i);
    const renderSeconds = (performance.now() - started) / 1000;
    const rendersPerSecond = RENDERS / renderSeconds;

    // Full path: claim the log row, consent, render, tracking links, pooled SMTP, lifecycle event.
    process.stderr.write(`sending ${SENDS} messages through Rapport (${CONCURRENCY} concurrent, pool ${POOL})...\n`);
    // Every measured path first runs WARMUP untimed sends (JIT, pooled connections, caches):
    // measured cold, whichever path ran first looked up to 6x slower.
    await runConcurrent(WARMUP, CONCURRENCY, async (index) => {
      const profile = profiles[index % profiles.length];
      if (profile !== undefined) await shop.channels.send({ workspaceId: 'ws', profileId: profile.id, channel: 'email', templateId: template.id, idempotencyKey: `warmup:${index}` });
    });
    const statuses = new Map<string, number>();
    const sendSeconds = await runConcurrent(SENDS, CONCURRENCY, async (index) => {
      const profile = profiles[index % profiles.length];
      if (profile === undefined) return;
      const result = await shop.channels.send({ workspaceId: 'ws', profileId: profile.id, channel: 'email', templateId: template.id, idempotencyKey: `bench:${index}` });
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    });
    const rapportCpuMs = lastCpuMsPerItem;
    const sent = statuses.get('sent') ?? 0;
    const rapportSendsPerSecond = sent / sendSeconds;
    const receivedByRapport = (await sink.received()) - WARMUP;

    // The limit: raw nodemailer over the same pool, the same prerendered message, same concurrency.
    const sample = await shop.channels.preview('ws', template.id, { profileId: profiles[0]?.id ?? '' });
    const transport = nodemailer.createTransport({
      pool: true,
      host: '127.0.0.1',
      port: Number(new URL(sink.url).port),
      secure: false,
      maxConnections: POOL,
      maxMessages: Number.POSITIVE_INFINITY,
      logger: false,
    });
    const raw = (index: number) =>
      transport.sendMail({ from: 'Shop <news@shop.example>', to: `customer${index % PROFILES}@example.com`, subject: sample.subject ?? '', html: sample.html ?? '', text: sample.text });
    await runConcurrent(WARMUP, CONCURRENCY, async (index) => {
      await raw(index);
    });
    const rawSeconds = await runConcurrent(SENDS, CONCURRENCY, async (index) => {
      await raw(index);
    });
    const rawCpuMs = lastCpuMsPerItem;
    transport.close();
    const rawSendsPerSecond = SENDS / rawSeconds;

    // Provider alone (Rapport's pooled SMTP provider, prerendered): isolates the store and render cost.
    await runConcurrent(WARMUP, CONCURRENCY, async (index) => {
      await provider.send({
        messageId: `w${index}`,
        workspaceId: 'ws',
        profileId: 'x',
        to: `customer${index % PROFILES}@example.com`,
        subject: sample.subject ?? '',
        html: sample.html ?? '',
        text: sample.text,
      });
    });
    const providerSeconds = await runConcurrent(SENDS, CONCURRENCY, async (index) => {
      const outcome = await provider.send({
        messageId: `p${index}`,
        workspaceId: 'ws',
        profileId: 'x',
        to: `customer${index % PROFILES}@example.com`,
        subject: sample.subject ?? '',
        html: sample.html ?? '',
        text: sample.text,
      });
      if (!outcome.ok) throw new Error(outcome.error);
    });
    const providerCpuMs = lastCpuMsPerItem;
    const providerSendsPerSecond = SENDS / providerSeconds;

    const result = {
      benchmark: 'channels',
      machine: machine(),
      size: {
        profiles: PROFILES,
        renders: RENDERS,
        sends: SENDS,
        warmupPerPath: WARMUP,
        concurrency: CONCURRENCY,
        smtpPool: POOL,
        template: 'cart_reminder (MJML + Liquid, 2 locales, catalog lookups)',
      },
      render: {
        rendersPerSecond: Math.round(rendersPerSecond),
        meanRenderMs: Number(((renderSeconds * 1000) / RENDERS).toFixed(3)),
        meanBytes: Math.round(renderedBytes / RENDERS),
        mjmlCompileMsOncePerVersion: Number(compileMs.toFixed(1)),
        compileEverySendRatePerSecond: Math.round(1000 / (compileMs + (renderSeconds * 1000) / RENDERS)),
      },
      send: {
        rapportSendsPerSecond: Math.round(rapportSendsPerSecond),
        statuses: Object.fromEntries(statuses),
        receivedBySmtpServer: receivedByRapport,
        providerOnlySendsPerSecond: Math.round(providerSendsPerSecond),
        // CPU of this process per send (the SMTP server runs in its own process): the load of
        // other work on a shared machine moves rates far more than it moves these.
        cpuMsPerSend: { rapport: Number(rapportCpuMs.toFixed(3)), providerOnly: Number(providerCpuMs.toFixed(3)), rawNodemailer: Number(rawCpuMs.toFixed(3)) },
        target: 500,
      },
      limit: { rawNodemailerPooledSendsPerSecond: Math.round(rawSendsPerSecond), what: 'raw nodemailer sendMail of the same prerendered message, same pool and concurrency, same SMTP server' },
      ratio: Number((rapportSendsPerSecond / rawSendsPerSecond).toFixed(2)),
      loadAverage1m: Number(os.loadavg()[0]?.toFixed(2)),
    };
    console.log(JSON.stringify(result));
  } finally {
    await shop.close();
    await sink.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
