import { Resvg } from '@resvg/resvg-js';
import type { StaffMailer } from '../../channels/index.js';
import type { Clock } from '../../shared/clock.js';
import { RapportError } from '../../shared/errors.js';
import { randomId } from '../../shared/ids.js';
import type { Chore } from '../../app/module.js';
import type { Database } from '../../storage/database.js';
import { claimReportRun, deleteReportSchedule, dueReportSchedules, insertReportSchedule, listReportSchedules, setReportError, type ReportScheduleRow } from '../store/analytics-settings.js';
import type { AnalyticsService } from '../analytics-service.js';
import { toCsv } from '../tables.js';
import { BrandService } from '../../workspaces/index.js';
import { buildDigest, nextRunAt, reportFrequencies, reportPeriod, type Digest, type ReportFrequency } from './digest.js';

export interface ReportSchedule {
  id: string;
  frequency: ReportFrequency;
  recipients: string[];
  nextRunAt: string;
  lastRunAt: string | null;
  lastError: string | null;
}

export interface ReportServiceDeps {
  database: Database;
  analytics: AnalyticsService;
  clock: Clock;
  /** The channels module's staff email (SMTP); without an SMTP server schedules can be kept but not sent. */
  mailer: StaffMailer;
  /** How often due schedules are checked (default one minute); 0: only when `runDue` is called. */
  checkIntervalMs?: number;
  onError?: (error: unknown) => void;
}

const emailPattern = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$|^[^\s@<>(),;:"]+@localhost$/;

function isFrequency(value: string): value is ReportFrequency {
  return reportFrequencies.some((frequency) => frequency === value);
}

function toSchedule(row: ReportScheduleRow): ReportSchedule {
  return {
    id: row.id,
    frequency: isFrequency(row.frequency) ? row.frequency : 'weekly',
    recipients: row.recipients,
    nextRunAt: new Date(row.nextRunAt).toISOString(),
    lastRunAt: row.lastRunAt === null ? null : new Date(row.lastRunAt).toISOString(),
    lastError: row.lastError,
  };
}

/** The check for due digests, a job per workspace on the durable scheduler. */
export const DIGEST_JOB = 'reports.digests';

/** The default e-commerce funnel of the digest. */
const digestFunnel = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'];

/**
 * Scheduled digests: daily, weekly, monthly and quarterly HTML emails with the KPI report, the
 * funnel, channels, cohorts and RFM groups, charts rendered to PNG (resvg) and sent inline
 * through the channels module's staff mailer (SMTP), every table attached as CSV.
 * @example await reports.schedule('ws', { frequency: 'weekly', recipients: ['owner@shop.com'] });
 */
export class ReportService {
  #running: Promise<number> | undefined;

  readonly #brands: BrandService;

  constructor(private readonly deps: ReportServiceDeps) {
    this.#brands = new BrandService({ database: deps.database, clock: deps.clock });
  }

  /**
   * Makes the check for due digests a durable job per workspace, every `checkIntervalMs`:
   * retried with backoff when it fails, listed with the dead jobs when it keeps failing.
   * Nothing when SMTP is not configured or the interval is 0.
   */
  /** The check for due digests as a chore (undefined without SMTP or with a 0 interval). */
  digestChore(): Chore | undefined {
    const interval = this.deps.checkIntervalMs ?? 60_000;
    if (interval <= 0 || !this.deps.mailer.available) return undefined;
    return {
      kind: DIGEST_JOB,
      everyMs: interval,
      run: async (workspaceId) => {
        await this.runDue(workspaceId);
      },
    };
  }

  async stop(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async schedule(workspaceId: string, input: { frequency: string; recipients: string[] }): Promise<ReportSchedule> {
    if (!isFrequency(input.frequency)) throw new RapportError('report.frequency_invalid', `frequency must be one of ${reportFrequencies.join(', ')}, got "${input.frequency}"`);
    if (input.recipients.length === 0) throw new RapportError('report.recipients_invalid', 'recipients must list at least one email address');
    input.recipients.forEach((address, index) => {
      if (!emailPattern.test(address)) throw new RapportError('report.recipients_invalid', `recipients[${index}] is not an email address: "${address}"`);
    });
    const now = this.deps.clock.now();
    const row: ReportScheduleRow = {
      workspaceId,
      id: randomId('rpt'),
      frequency: input.frequency,
      recipients: input.recipients,
      nextRunAt: nextRunAt(input.frequency, now),
      lastRunAt: null,
      lastError: null,
      createdAt: now,
    };
    await insertReportSchedule(this.deps.database.db, row);
    return toSchedule(row);
  }

  async list(workspaceId: string): Promise<ReportSchedule[]> {
    return (await listReportSchedules(this.deps.database.db, workspaceId)).map(toSchedule);
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    if (!(await deleteReportSchedule(this.deps.database.db, workspaceId, id))) throw new RapportError('not_found', `no report schedule ${id}`);
  }

  /** Builds the digest of the period a run at `runAt` covers (no sending). */
  async digest(workspaceId: string, frequency: ReportFrequency, runAt: number): Promise<Digest> {
    const { from, to } = reportPeriod(frequency, runAt);
    const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    const { analytics } = this.deps;
    const kpis = await analytics.kpis(workspaceId, range);
    const funnel = await analytics.funnel(workspaceId, { ...range, steps: digestFunnel.map((event) => ({ event })) });
    const attribution = await analytics.attribution(workspaceId, { ...range, by: 'channel', model: 'last_touch' });
    const cohorts = await analytics.cohorts(workspaceId, { period: 'month', periods: 12, to: range.to });
    const rfm = await analytics.rfm(workspaceId, { asOf: range.to, limit: 0 });
    const brand = await this.#brands.get(workspaceId);
    const shop = { name: brand.shopName, url: brand.shopUrl, logoUrl: brand.logoUrl, primaryColor: brand.colors.primary };
    return buildDigest({ workspaceId, shop, frequency, from, to, kpis: kpis.lines, funnel, attribution, cohorts, rfm: rfm.groups });
  }

  /** Sends a schedule's digest now (for the period ending at the last boundary) without moving it. */
  async sendNow(workspaceId: string, id: string): Promise<void> {
    const schedule = (await listReportSchedules(this.deps.database.db, workspaceId)).find((row) => row.id === id);
    if (schedule === undefined) throw new RapportError('not_found', `no report schedule ${id}`);
    await this.#send(schedule, this.deps.clock.now());
  }

  /** Sends every due digest once (of one workspace, when given); returns how many were sent. */
  runDue(workspaceId?: string): Promise<number> {
    // One check at a time: a second waits for the first, so `stop()` waits for every send.
    const run = (this.#running ?? Promise.resolve(0)).catch(() => 0).then(() => this.#runDue(workspaceId));
    const tracked = run.finally(() => {
      if (this.#running === tracked) this.#running = undefined;
    });
    this.#running = tracked;
    return run;
  }

  async #runDue(workspaceId: string | undefined): Promise<number> {
    const now = this.deps.clock.now();
    let sent = 0;
    for (const schedule of await dueReportSchedules(this.deps.database.db, now, 100, workspaceId)) {
      const frequency = isFrequency(schedule.frequency) ? schedule.frequency : 'weekly';
      // Claim first: two workers never both send; a send that fails is reported, not retried in a loop.
      if (!(await claimReportRun(this.deps.database.db, schedule.workspaceId, schedule.id, schedule.nextRunAt, nextRunAt(frequency, now), now))) continue;
      try {
        await this.#send(schedule, schedule.nextRunAt);
        await setReportError(this.deps.database.db, schedule.workspaceId, schedule.id, null);
        sent += 1;
      } catch (error) {
        await setReportError(this.deps.database.db, schedule.workspaceId, schedule.id, error instanceof Error ? error.message : String(error));
        this.deps.onError?.(error);
      }
    }
    return sent;
  }

  async #send(schedule: ReportScheduleRow, runAt: number): Promise<void> {
    // Refused before the digest is computed: without SMTP there is nowhere to send it.
    this.deps.mailer.requireAvailable();
    const frequency = isFrequency(schedule.frequency) ? schedule.frequency : 'weekly';
    const digest = await this.digest(schedule.workspaceId, frequency, runAt);
    await this.deps.mailer.send({
      to: schedule.recipients,
      subject: digest.subject,
      text: digest.text,
      html: digest.html,
      attachments: [
        ...digest.charts.map((chart) => ({ filename: chart.name, content: renderPng(chart.svg), contentType: 'image/png', cid: chart.cid })),
        ...digest.tables.map((table) => ({ filename: `${table.name}.csv`, content: toCsv(table), contentType: 'text/csv' })),
      ],
      headers: { 'X-Rapport-Report': `${schedule.id}` },
    });
  }
}

/**
 * SVG to PNG with resvg (fonts from the system).
 * @example renderPng('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>').subarray(1, 4).toString() // 'PNG'
 */
export function renderPng(svg: string): Buffer {
  return Buffer.from(new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng());
}
