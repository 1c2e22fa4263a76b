import type { KpiLine } from './kpi.js';
import type { MaturityAssessment } from './maturity.js';
import type { AttributionResult, CohortResult, FunnelResult, FunnelStepResult, RfmResult } from './results.js';

/*
 * Every analysis as flat tables, pure: the CSV export and the emailed digest both read these,
 * so what a shop downloads is what it was sent.
 */

export type Cell = string | number | boolean | null;

export interface Table {
  name: string;
  columns: string[];
  rows: Cell[][];
}

function stepRows(key: string, steps: readonly FunnelStepResult[]): Cell[][] {
  return steps.map((step) => [key, step.step, step.label, step.profiles, step.conversionFromPrevious, step.conversionFromFirst, step.dropOff, step.medianSeconds]);
}

/**
 * The funnel as tables: steps (per breakdown value) and time-to-convert buckets.
 * @example funnelTables(result)[0].name // 'funnel'
 */
export function funnelTables(result: FunnelResult): Table[] {
  const columns = ['breakdown', 'step', 'label', 'profiles', 'conversion_from_previous', 'conversion_from_first', 'drop_off', 'median_seconds'];
  const rows = [...stepRows('all', result.steps), ...(result.breakdown ?? []).flatMap((row) => stepRows(row.key, row.steps))];
  const times = result.steps.flatMap((step) => step.timeToConvert.map((bucket): Cell[] => [step.step, step.label, bucket.bucket, bucket.profiles]));
  return [
    { name: 'funnel', columns, rows },
    { name: 'funnel_time_to_convert', columns: ['step', 'label', 'bucket', 'profiles'], rows: times },
  ];
}

/**
 * Cohorts as tables: one row per cohort, and one per cohort and period offset.
 * @example cohortTables(result).map((table) => table.name) // ['cohorts', 'cohort_periods']
 */
export function cohortTables(result: CohortResult): Table[] {
  return [
    { name: 'cohorts', columns: ['cohort', 'size', 'repeat_customers', 'revenue'], rows: result.cohorts.map((row) => [row.cohort, row.size, row.repeatCustomers, row.revenue]) },
    {
      name: 'cohort_periods',
      columns: ['cohort', 'offset', 'customers', 'rate', 'events', 'revenue'],
      rows: result.cohorts.flatMap((row) => row.periods.map((period): Cell[] => [row.cohort, period.offset, period.customers, period.rate, period.events, period.revenue])),
    },
  ];
}

/**
 * RFM as tables: groups, scored profiles, and movement when asked for.
 * @example rfmTables(result)[0].name // 'rfm_groups'
 */
export function rfmTables(result: RfmResult): Table[] {
  const tables: Table[] = [
    {
      name: 'rfm_groups',
      columns: ['group', 'profiles', 'share', 'revenue', 'avg_recency_days', 'avg_orders', 'avg_revenue'],
      rows: result.groups.map((group) => [group.group, group.profiles, group.share, group.revenue, group.avgRecencyDays, group.avgOrders, group.avgRevenue]),
    },
    {
      name: 'rfm_profiles',
      columns: ['profile_id', 'recency_days', 'orders', 'revenue', 'r', 'f', 'm', 'group'],
      rows: result.profiles.map((row) => [row.profileId, row.recencyDays, row.orders, row.revenue, row.r, row.f, row.m, row.group]),
    },
  ];
  if (result.movement !== undefined) {
    tables.push({ name: 'rfm_movement', columns: ['from', 'to', 'profiles'], rows: result.movement.map((row) => [row.from, row.to, row.profiles]) });
  }
  return tables;
}

/**
 * Attribution as one table, keyed by what it was grouped by.
 * @example attributionTables(result)[0].columns[0] // 'channel'
 */
export function attributionTables(result: AttributionResult): Table[] {
  return [
    {
      name: 'attribution',
      columns: [result.by, 'orders', 'revenue', 'converters', 'touched', 'conversion_rate', 'spend', 'cpa', 'roas'],
      rows: result.rows.map((row) => [row.key, row.orders, row.revenue, row.converters, row.touched, row.conversionRate, row.spend, row.cpa, row.roas]),
    },
  ];
}

/**
 * The KPI report as one table.
 * @example kpiTables(lines)[0].rows.length // 11
 */
export function kpiTables(lines: readonly KpiLine[]): Table[] {
  return [
    {
      name: 'kpis',
      columns: ['kpi', 'label', 'value', 'previous', 'change', 'unit', 'reference', 'status'],
      rows: lines.map((line) => [line.key, line.label, line.value, line.previous, line.change, line.unit, line.reference, line.status]),
    },
  ];
}

/**
 * The maturity criteria as one table, with the action for each unmet one.
 * @example maturityTables(assessment)[0].name // 'maturity'
 */
export function maturityTables(assessment: MaturityAssessment): Table[] {
  return [
    {
      name: 'maturity',
      columns: ['stage', 'criterion', 'label', 'met', 'action'],
      rows: assessment.criteria.map((criterion) => [criterion.stage, criterion.key, criterion.label, criterion.met, criterion.met ? '' : criterion.action]),
    },
  ];
}

function csvCell(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell !== 'string') return String(cell);
  // A cell a spreadsheet would run as a formula is prefixed with a quote (OWASP CSV injection).
  const safe = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * RFC 4180 CSV of a table (header line, CRLF line ends).
 * @example toCsv({ name: 't', columns: ['a'], rows: [[1]] }) // 'a\r\n1\r\n'
 */
export function toCsv(table: Table): string {
  return [table.columns, ...table.rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
