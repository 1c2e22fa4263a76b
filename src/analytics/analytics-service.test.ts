import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, dialects, tempDir, type TestStore } from '../../test/helpers/databases.js';
import { SmtpEmailProvider } from '../channels/providers/email-smtp.js';
import { staffMailer } from '../channels/staff-mail.js';
import { ProfileScores } from '../profiles/profile-scores.js';
import { manualClock } from '../shared/clock.js';
import { readProfileScores } from '../profiles/store/profile-scores.js';
import { AnalyticsService } from './analytics-service.js';
import { DuckDbEngine } from './duckdb/duckdb-engine.js';
import { ReportService } from './report/report-service.js';
import { cohortTables, funnelTables, kpiTables, toCsv } from './tables.js';
import { duckFile, fixtureEvents, loadMessages, MIN, T0, ws } from './test/fixture.js';

const may = { from: '2024-05-01T00:00:00.000Z', to: '2024-06-01T00:00:00.000Z' };
const steps = [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Checkout Started' }, { event: 'Order Completed' }];

/** A real SMTP server on loopback that keeps every message it accepts, parsed. */
async function startSmtp(): Promise<{ url: string; mails: ParsedMail[]; close(): Promise<void> }> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    closeTimeout: 50,
    onData(stream, _session, callback) {
      simpleParser(stream, { keepCidLinks: true })
        .then((mail) => {
          mails.push(mail);
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? (address satisfies AddressInfo).port : 0;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe.each(dialects)('analytics service and reports (%s)', (dialect) => {
  let store: TestStore;
  let engine: DuckDbEngine;
  let analytics: AnalyticsService;
  let reports: ReportService;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let smtpProvider: SmtpEmailProvider;
  const duckDir = tempDir('rapport-duck-');
  const clock = manualClock(Date.parse('2024-06-03T07:00:00Z'));

  beforeAll(async () => {
    store = await createTestStore(dialect);
    await loadMessages(store.database, fixtureEvents());
    engine = await DuckDbEngine.open(store.database, { file: duckFile(duckDir) });
    const scores = new ProfileScores({ database: store.database, clock });
    analytics = new AnalyticsService({ database: store.database, engine, clock, scores });
    smtp = await startSmtp();
    // The digest goes out through the channels module's staff mailer, on its SMTP provider.
    smtpProvider = new SmtpEmailProvider({ url: smtp.url, from: 'Rapport <reports@shop.example>' });
    const mailer = staffMailer({ smtp: smtpProvider, retry: { attempts: 1, baseDelayMs: 0 } });
    reports = new ReportService({ database: store.database, analytics, clock, mailer, checkIntervalMs: 0 });
  });
  afterAll(async () => {
    await reports.stop();
    await smtpProvider.close();
    await smtp.close();
    await engine.close();
    await store.drop();
    fs.rmSync(duckDir, { recursive: true, force: true });
  });

  it('caches results until new events reach the replica', async () => {
    const query = { ...may, steps };
    const first = await analytics.funnel(ws, query);
    const version = engine.version;
    const again = await analytics.funnel(ws, query);
    expect(again).toBe(first);
    expect(engine.version).toBe(version);
    const at = T0 + 5 * MIN;
    await loadMessages(store.database, [
      { type: 'track', messageId: 'svc-1', userId: 'u6', event: 'Product Viewed', context: {}, timestamp: new Date(at).toISOString(), receivedAt: new Date(at).toISOString() },
    ]);
    const fresh = await analytics.funnel(ws, query);
    expect(fresh).not.toBe(first);
    expect(fresh.steps.map((step) => step.profiles)).toEqual([6, 3, 2, 2]);
  });

  it('ends a default period at the end of the minute, so the question asked again within it is a cache hit', async () => {
    const start = clock.now();
    clock.set(Date.parse('2024-06-03T07:00:10Z'));
    const first = await analytics.funnel(ws, { steps });
    expect(first.period).toEqual({ from: '2024-05-04T07:01:00.000Z', to: '2024-06-03T07:01:00.000Z', source: 'default' });
    clock.advance(30_000);
    expect(await analytics.funnel(ws, { steps })).toBe(first);
    clock.advance(30_000);
    const next = await analytics.funnel(ws, { steps });
    expect(next).not.toBe(first);
    expect(next.period?.to).toBe('2024-06-03T07:02:00.000Z');
    clock.set(start);
  });

  it('stores the profiles who dropped at a step as a score segments can target', async () => {
    const ids = await analytics.droppedProfiles(ws, { ...may, steps, step: 3, saveAs: 'checkout_dropouts' });
    expect(ids).toHaveLength(1);
    const stored = await readProfileScores(store.database.db, ws, ids);
    expect(stored.get(ids[0] ?? '')).toMatchObject({ funnel_checkout_dropouts: 3 });
  });

  it('writes RFM scores on the profiles', async () => {
    const result = await analytics.rfm(ws, { asOf: '2024-08-01T00:00:00Z', write: true, limit: 10 });
    expect(result.customers).toBe(3);
    const ids = result.profiles.map((row) => row.profileId);
    const stored = await readProfileScores(store.database.db, ws, ids);
    const groups = ids.map((id) => stored.get(id)?.rfm_group).sort();
    expect(groups).toEqual(['Hibernating', 'Lost', 'Potential Loyalist']);
    const loyal = result.profiles.find((row) => row.group === 'Potential Loyalist');
    expect(loyal === undefined ? undefined : stored.get(loyal.profileId)).toEqual({ rfm_recency: 4, rfm_frequency: 2, rfm_monetary: 4, rfm_group: 'Potential Loyalist' });
  });

  it('joins ad spend for CPA and ROAS, and reports KPIs against references', async () => {
    await analytics.setAdSpend(ws, [
      { source: 'Google', campaign: 'spring', day: '2024-05-01', amount: 40 },
      { source: 'google', campaign: 'spring', day: '2024-05-20', amount: 10 },
      { source: 'facebook', campaign: '', day: '2024-04-10', amount: 99 },
    ]);
    const bySource = await analytics.attribution(ws, { ...may, by: 'source' });
    const google = bySource.rows.find((row) => row.key === 'google');
    expect(google).toMatchObject({ orders: 1, revenue: 100, spend: 50, cpa: 50, roas: 2 });
    expect(bySource.totals).toEqual({ orders: 2, revenue: 150, spend: 50 });
    const report = await analytics.kpis(ws, may);
    const line = (key: string) => report.lines.find((entry) => entry.key === key);
    // The fixture's 6 sessions plus u6's single view added by the first test.
    expect(line('conversion_rate')).toMatchObject({ value: 2 / 7, status: 'good' });
    expect(line('bounce_rate')).toMatchObject({ value: 3 / 7, status: 'watch' });
    expect(line('avg_session_seconds')?.value).toBe(6840 / 7);
    expect(line('aov')).toMatchObject({ value: 75, status: 'poor' });
    expect(line('returning_customer_rate')?.value).toBe(0.5);
    // April: one order (u3, 80) and the facebook spend of 99.
    expect(line('cpa')).toMatchObject({ value: 50, previous: 99, change: -49, status: 'watch' });
    expect(line('roas')).toMatchObject({ value: 3, status: 'good' });
    expect(line('ltv_cac')?.value).toBe(115 / 50);
    expect(line('nps')).toMatchObject({ value: 0, status: 'poor' });
    await expect(analytics.setAdSpend(ws, [{ source: 'x', campaign: '', day: 'May 1', amount: 1 }])).rejects.toThrow(/rows\[0\]\.day must be a date/);
  });

  it('places the shop in a maturity stage with next steps', async () => {
    const assessment = await analytics.maturity(ws);
    // Identity, orders, behaviour, funnels (run above) and two channels: Caterpillar.
    expect(assessment.stage).toBe('Caterpillar');
    expect(assessment.nextStage).toBe('Imago');
    expect(assessment.criteria.filter((criterion) => !criterion.met).map((criterion) => criterion.key)).toEqual(['cohorts', 'personalization', 'omnichannel', 'ltv_cac']);
    expect(assessment.nextSteps).toHaveLength(3);
  });

  it('exports every table as CSV', async () => {
    const funnel = funnelTables(await analytics.funnel(ws, { ...may, steps, breakdown: 'device' }));
    expect(toCsv(funnel[0] ?? { name: '', columns: [], rows: [] }).split('\r\n')[0]).toBe('breakdown,step,label,profiles,conversion_from_previous,conversion_from_first,drop_off,median_seconds');
    const cohorts = toCsv(cohortTables(await analytics.cohorts(ws, {}))[1] ?? { name: '', columns: [], rows: [] });
    expect(cohorts).toBe('cohort,offset,customers,rate,events,revenue\r\n2024-04,0,1,1,1,80\r\n2024-04,1,1,1,1,50\r\n2024-05,0,1,1,1,100\r\n2024-05,2,1,1,1,70\r\n2024-06,0,1,1,1,30\r\n');
    expect(toCsv({ name: 't', columns: ['a', 'b'], rows: [['=cmd()', 'x,"y"']] })).toBe('a,b\r\n\'=cmd(),"x,""y"""\r\n');
    expect(kpiTables((await analytics.kpis(ws, may)).lines)[0]?.rows).toHaveLength(11);
  });

  it('emails a scheduled digest with its charts as images to a real SMTP server', async () => {
    const schedule = await reports.schedule(ws, { frequency: 'monthly', recipients: ['owner@shop.example'] });
    expect(schedule.nextRunAt).toBe('2024-07-01T06:00:00.000Z');
    await expect(reports.schedule(ws, { frequency: 'hourly', recipients: ['a@b.co'] })).rejects.toThrow(/frequency must be one of/);
    expect(await reports.runDue()).toBe(0);
    clock.set(Date.parse('2024-07-01T06:00:30Z'));
    expect(await reports.runDue()).toBe(1);
    expect(await reports.runDue()).toBe(0);
    const mail = smtp.mails.at(-1);
    expect(mail?.subject).toBe('w1: monthly report, 2024-06-01 – 2024-06-30');
    const images = (mail?.attachments ?? []).filter((attachment) => attachment.contentType === 'image/png');
    expect(images.map((image) => image.cid).sort()).toEqual(['channels@rapport', 'cohorts@rapport', 'funnel@rapport', 'rfm@rapport']);
    for (const image of images) {
      expect(image.content.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(image.content.length).toBeGreaterThan(1000);
    }
    expect(typeof mail?.html === 'string' ? mail.html : '').toContain('cid:funnel@rapport');
    const csvFiles = (mail?.attachments ?? [])
      .filter((attachment) => attachment.contentType.startsWith('text/csv'))
      .map((attachment) => attachment.filename)
      .sort();
    expect(csvFiles).toEqual(['attribution.csv', 'cohort_periods.csv', 'cohorts.csv', 'funnel.csv', 'funnel_time_to_convert.csv', 'kpis.csv', 'rfm_groups.csv']);
    const [listed] = await reports.list(ws);
    expect(listed).toMatchObject({ nextRunAt: '2024-08-01T06:00:00.000Z', lastRunAt: '2024-07-01T06:00:30.000Z', lastError: null });
  });
});
