import type { KpiLine } from '../kpi.js';
import type { AttributionResult, CohortResult, FunnelResult, RfmGroupSummary } from '../results.js';
import { barChart, lineChart } from './charts.js';
import type { Cell, Table } from '../tables.js';
import { attributionTables, cohortTables, funnelTables, kpiTables } from '../tables.js';

/*
 * The emailed digest, pure: which period a run covers, when the next run is due, and the HTML
 * (with charts as SVG, referenced by Content-ID) built from the analyses' results.
 */

export const reportFrequencies = ['daily', 'weekly', 'monthly', 'quarterly'] as const;
export type ReportFrequency = (typeof reportFrequencies)[number];

/** Digests go out at 06:00 UTC, after the period they cover has closed. */
const SEND_HOUR = 6;
const DAY = 86_400_000;

function startOfPeriod(frequency: ReportFrequency, at: number): number {
  const date = new Date(at);
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  switch (frequency) {
    case 'daily':
      return Date.UTC(y, m, date.getUTCDate());
    case 'weekly': {
      const day = Date.UTC(y, m, date.getUTCDate());
      // Weeks start on Monday (ISO 8601).
      return day - ((date.getUTCDay() + 6) % 7) * DAY;
    }
    case 'monthly':
      return Date.UTC(y, m, 1);
    case 'quarterly':
      return Date.UTC(y, m - (m % 3), 1);
  }
}

function addPeriod(frequency: ReportFrequency, start: number, count: number): number {
  const date = new Date(start);
  switch (frequency) {
    case 'daily':
      return start + count * DAY;
    case 'weekly':
      return start + count * 7 * DAY;
    case 'monthly':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + count, 1);
    case 'quarterly':
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 3 * count, 1);
  }
}

/**
 * The closed period a digest run at `runAt` covers: the previous day, week (Monday to Monday),
 * month or quarter, in UTC.
 * @example reportPeriod('monthly', Date.parse('2024-06-01T06:00:00Z')) // May 2024
 */
export function reportPeriod(frequency: ReportFrequency, runAt: number): { from: number; to: number } {
  const to = startOfPeriod(frequency, runAt);
  return { from: addPeriod(frequency, to, -1), to };
}

/**
 * The first send time strictly after `after`: 06:00 UTC on the first day of the next period.
 * @example nextRunAt('weekly', Date.parse('2024-05-01T10:00:00Z')) // Monday 2024-05-06T06:00Z
 */
export function nextRunAt(frequency: ReportFrequency, after: number): number {
  let start = startOfPeriod(frequency, after);
  while (start + SEND_HOUR * 3_600_000 <= after) start = addPeriod(frequency, start, 1);
  return start + SEND_HOUR * 3_600_000;
}

export interface DigestData {
  workspaceId: string;
  /** The workspace brand: the report is the shop's, not the workspace id's. */
  shop: { name: string; url: string | null; logoUrl: string | null; primaryColor: string };
  frequency: ReportFrequency;
  from: number;
  to: number;
  kpis: KpiLine[];
  funnel: FunnelResult;
  attribution: AttributionResult;
  cohorts: CohortResult;
  rfm: RfmGroupSummary[];
}

export interface Digest {
  subject: string;
  html: string;
  text: string;
  /** Charts to attach inline; the HTML shows each as `<img src="cid:...">`. */
  charts: { cid: string; name: string; svg: string }[];
  /** Tables attached as CSV. */
  tables: Table[];
}

function escapeHtml(text: string): string {
  return text.replace(/[<>&"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[char] ?? char);
}

function formatValue(line: KpiLine, value: number | null): string {
  if (value === null) return '–';
  switch (line.unit) {
    case 'ratio':
      return `${(value * 100).toFixed(1)}%`;
    case 'seconds':
      return `${Math.floor(value / 60)}m ${Math.round(value % 60)}s`;
    case 'currency':
      return `$${value.toFixed(2)}`;
    case 'multiple':
      return `${value.toFixed(2)}×`;
    case 'score':
      return value.toFixed(0);
  }
}

function htmlTable(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const head = columns.map((column) => `<th align="left" style="padding:4px 8px;border-bottom:1px solid #ccc">${escapeHtml(column)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td style="padding:4px 8px;border-bottom:1px solid #eee">${escapeHtml(cell === null ? '–' : String(cell))}</td>`).join('')}</tr>`).join('');
  return `<table cellspacing="0" style="border-collapse:collapse;font-size:13px">${head === '' ? '' : `<tr>${head}</tr>`}${body}</table>`;
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const statusMark: Record<string, string> = { good: '✔ good', watch: '• watch', poor: '✖ poor', 'n/a': '–' };

/**
 * Builds the digest email from the period's results.
 * @example const digest = buildDigest(data); digest.charts.length // 4
 */
export function buildDigest(data: DigestData): Digest {
  const period = `${day(data.from)} – ${day(data.to - 1)}`;
  const subject = `${data.shop.name}: ${data.frequency} report, ${period}`;
  const charts: Digest['charts'] = [
    {
      cid: 'funnel@rapport',
      name: 'funnel.png',
      svg: barChart({ title: 'Purchase funnel (profiles per step)', labels: data.funnel.steps.map((step) => step.label), values: data.funnel.steps.map((step) => step.profiles) }),
    },
    {
      cid: 'channels@rapport',
      name: 'revenue-by-channel.png',
      svg: barChart({
        title: 'Revenue by channel (last touch)',
        labels: data.attribution.rows.map((row) => row.key),
        values: data.attribution.rows.map((row) => row.revenue),
        format: (value) => `$${value.toFixed(0)}`,
      }),
    },
    {
      cid: 'cohorts@rapport',
      name: 'repeat-purchase.png',
      svg: lineChart({
        title: 'Repeat purchase by first-purchase cohort',
        labels: Array.from({ length: Math.max(1, ...data.cohorts.cohorts.map((row) => row.periods.reduce((max, period) => Math.max(max, period.offset + 1), 1))) }, (_, index) => String(index)),
        series: data.cohorts.cohorts.slice(-8).map((row) => {
          const rates = new Map(row.periods.map((period) => [period.offset, period.rate]));
          const last = row.periods.reduce((max, period) => Math.max(max, period.offset), 0);
          return { name: row.cohort, values: Array.from({ length: last + 1 }, (_, offset) => rates.get(offset) ?? 0) };
        }),
        max: 1,
        format: (value) => `${Math.round(value * 100)}%`,
      }),
    },
    {
      cid: 'rfm@rapport',
      name: 'rfm-groups.png',
      svg: barChart({ title: 'Customers per RFM group', labels: data.rfm.map((group) => group.group), values: data.rfm.map((group) => group.profiles) }),
    },
  ];
  const kpiRows = data.kpis.map((line): Cell[] => [line.label, formatValue(line, line.value), formatValue(line, line.previous), line.reference, statusMark[line.status] ?? line.status]);
  const attributionRows = data.attribution.rows.map((row): Cell[] => [
    row.key,
    row.orders,
    `$${row.revenue.toFixed(2)}`,
    row.spend === null ? null : `$${row.spend.toFixed(2)}`,
    row.roas === null ? null : `${(row.roas * 100).toFixed(0)}%`,
  ]);
  const shopName = escapeHtml(data.shop.name);
  const mark = data.shop.logoUrl === null ? shopName : `<img src="${escapeHtml(data.shop.logoUrl)}" alt="${shopName}" height="40" style="height:40px;width:auto">`;
  const html = `<!doctype html><html><body style="font-family:Arial,sans-serif;color:#222">
<p style="border-bottom:3px solid ${escapeHtml(data.shop.primaryColor)};padding-bottom:8px;font-size:18px;font-weight:bold">${data.shop.url === null ? mark : `<a href="${escapeHtml(data.shop.url)}" style="color:#222;text-decoration:none">${mark}</a>`}</p>
<h2>${escapeHtml(`${data.frequency[0]?.toUpperCase() ?? ''}${data.frequency.slice(1)} report, ${period}`)}</h2>
<h3>Key figures</h3>
${htmlTable(['measure', 'this period', 'previous period', 'reference', 'status'], kpiRows)}
<h3>Funnel</h3><img src="cid:funnel@rapport" alt="Purchase funnel" width="600">
<h3>Channels</h3><img src="cid:channels@rapport" alt="Revenue by channel" width="600">
${htmlTable(['channel', 'orders', 'revenue', 'ad spend', 'ROAS'], attributionRows)}
<h3>Cohorts</h3><img src="cid:cohorts@rapport" alt="Repeat purchase by cohort" width="600">
<h3>Customers by RFM group</h3><img src="cid:rfm@rapport" alt="RFM groups" width="600">
<p style="color:#777;font-size:12px">Sent by Rapport. The attached CSV files hold every table.</p>
</body></html>`;
  const text = [subject, '', ...data.kpis.map((line) => `${line.label}: ${formatValue(line, line.value)} (previous ${formatValue(line, line.previous)}; reference ${line.reference})`)].join('\n');
  const rfmTable: Table = {
    name: 'rfm_groups',
    columns: ['group', 'profiles', 'share', 'revenue'],
    rows: data.rfm.map((group): Cell[] => [group.group, group.profiles, group.share, group.revenue]),
  };
  const tables = [...kpiTables(data.kpis), ...funnelTables(data.funnel), ...attributionTables(data.attribution), ...cohortTables(data.cohorts), rfmTable];
  return { subject, html, text, charts, tables };
}
