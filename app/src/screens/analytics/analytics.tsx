import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link, Outlet, useNavigate } from '@tanstack/react-router';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../../api/client';
import { useFormat, useT, type Format } from '../../i18n/i18n';
import { canEdit, useSession } from '../../shell/session';
import { BarChart, ColumnChart, Heatmap } from '../../ui/charts';
import { Badge, Button, Card, DataTable, Empty, ErrorNotice, Field, Loading, Page } from '../../ui/ui';
import { analyticsMessages, channelMessages, channelName, rfmGroupMessages, rfmGroupName, type AnalyticsKey } from './analytics-text';
import { kpiChange, kpiLabel, kpiMessages, kpiReference, kpiStatus, kpiTone, kpiValue, type KpiReport } from './kpi-text';
import {
  attributionBys,
  attributionModels,
  cohortAnchors,
  funnelBreakdowns,
  funnelOrders,
  parseFunnelFilter,
  periodDays,
  rfmCompareDays,
  windowHours,
  type AttributionSearch,
  type CohortSearch,
  type FunnelFilterSearch,
  type FunnelSearch,
  type KpiSearch,
} from './routes';
import { PropertyFilters } from '../segments/builder';
import { FILTER_OPS } from '../segments/ops';
import { builderMessages } from '../segments/builder-messages';
import type { Json } from '../segments/model';
import {
  attributionQuery,
  cohortQuery,
  DEFAULT_STEPS,
  eventNamesQuery,
  funnelQuery,
  funnelSteps,
  rfmQuery,
  stepFilters,
  trackNames,
  type CohortResult,
  type FunnelResult,
  type FunnelStepResult,
} from './queries';
import './analytics.css';

/*
 * The analytics screen: one tab per report, each a URL (routes.ts) whose search parameters are
 * the report's settings. Every chart is drawn above its table; the table is the chart's text
 * alternative and downloads as CSV.
 */

const DAY = 86_400_000;

function useAnalyticsT() {
  return useT(analyticsMessages);
}

/** A labelled <select> over fixed options. */
function Choice<T extends string | number>({ label, value, options, onChange, text }: { label: string; value: T; options: readonly T[]; onChange: (value: T) => void; text: (value: T) => string }) {
  return (
    <Field label={label}>
      {(props) => (
        <select
          {...props}
          value={String(value)}
          onChange={(event) => {
            const next = options.find((option) => String(option) === event.target.value);
            if (next !== undefined) onChange(next);
          }}
        >
          {options.map((option) => (
            <option key={String(option)} value={String(option)}>
              {text(option)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Seconds as the largest whole unit that fits, in the locale ("2 min", "3 days"). */
function duration(format: Format, seconds: number | null): string {
  if (seconds === null) return '—';
  const units: [Intl.NumberFormatOptions['unit'], number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
    ['second', 1],
  ];
  const [unit, size] = units.find(([, length]) => seconds >= length) ?? ['second', 1];
  return new Intl.NumberFormat(format.locale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: seconds / size < 10 ? 1 : 0 }).format(seconds / size);
}

const ratio = (format: Format, value: number | null) => (value === null ? '—' : format.percent(value));

export function AnalyticsLayout() {
  const t = useAnalyticsT();
  const tabs: [string, AnalyticsKey][] = [
    ['/analytics/funnels', 'funnels'],
    ['/analytics/cohorts', 'cohorts'],
    ['/analytics/rfm', 'rfm'],
    ['/analytics/attribution', 'attribution'],
    ['/analytics/kpis', 'kpis'],
    ['/analytics/reports', 'reports'],
  ];
  return (
    <Page title={t('title')} description={t('description')}>
      <nav className="tabs analytics-tabs" aria-label={t('tabs')}>
        {tabs.map(([to, key]) => (
          <Link key={to} to={to as '/analytics/funnels'} activeProps={{ 'aria-current': 'page' }}>
            {t(key)}
          </Link>
        ))}
      </nav>
      <div className="analytics-body">
        <Outlet />
      </div>
    </Page>
  );
}

/* ---------------------------------------------------------------- funnels */

const funnelApi = getRouteApi('/signed-in/analytics/funnels');

type FilterFields = Record<string, Json>;
interface StepDraft {
  event: string;
  where: FilterFields[];
}

/** The funnel with the labels of its filtered steps (undefined: the server's label stays), breakdown rows included. */
function labelledFunnel(result: FunnelResult, labels: readonly (string | undefined)[]): FunnelResult {
  const relabel = (steps: FunnelStepResult[]) => steps.map((step, index) => ({ ...step, label: labels[index] ?? step.label }));
  return { ...result, steps: relabel(result.steps), ...(result.breakdown === undefined ? {} : { breakdown: result.breakdown.map((row) => ({ ...row, steps: relabel(row.steps) })) }) };
}

/** A filter in words, in the builder's terms: `price is greater than 50`. */
function useFilterText(): (filter: Omit<FunnelFilterSearch, 'step'>) => string {
  const t = useT(builderMessages);
  const format = useFormat();
  const shown = (value: string | number | boolean) => (typeof value === 'number' ? format.number(value) : String(value));
  return (filter) => {
    const operand =
      filter.op === 'between'
        ? `${shown(filter.min ?? 0)}–${shown(filter.max ?? 0)}`
        : filter.values !== undefined
          ? filter.values.map(shown).join(', ')
          : filter.value === undefined
            ? ''
            : shown(filter.value);
    return `${filter.property} ${t(`op_${filter.op}`)}${operand === '' ? '' : ` ${operand}`}`;
  };
}

function FunnelForm({ search, names }: { search: FunnelSearch; names: string[] }) {
  const t = useAnalyticsT();
  const navigate = useNavigate();
  const initial = search.steps ?? DEFAULT_STEPS.filter((name) => names.includes(name));
  const [steps, setSteps] = useState<StepDraft[]>((initial.length >= 2 ? initial : names.slice(0, 2)).map((event, index) => ({ event, where: stepFilters(search, index) })));
  const [days, setDays] = useState(search.days ?? 30);
  const [window, setWindow] = useState(search.window ?? 168);
  const [order, setOrder] = useState(search.order ?? 'loose');
  const [breakdown, setBreakdown] = useState<(typeof funnelBreakdowns)[number] | ''>(search.breakdown ?? '');
  const options = (current: string) => (names.includes(current) || current === '' ? names : [current, ...names]);
  const setStep = (index: number, patch: Partial<StepDraft>) => setSteps(steps.map((other, at) => (at === index ? { ...other, ...patch } : other)));
  const chosen = steps.filter((step) => step.event !== '');
  const where = chosen.flatMap((step, index) => step.where.map((filter) => parseFunnelFilter({ ...filter, step: index })));
  const incomplete = where.includes(undefined);
  const filters = where.filter((filter) => filter !== undefined);
  const next: FunnelSearch = { steps: chosen.map((step) => step.event), ...(filters.length === 0 ? {} : { where: filters }), days, window, order, ...(breakdown === '' ? {} : { breakdown }) };
  const nextKey = JSON.stringify(next);
  const client = useQueryClient();
  useEffect(() => {
    // The funnel as now set starts computing while the marketer reaches for the button; the
    // settings the page shows are in the cache already, so the first run asks nothing.
    const settings = JSON.parse(nextKey) as FunnelSearch & { steps: string[] };
    if (settings.steps.length >= 2 && !incomplete) void client.prefetchQuery(funnelQuery(settings, settings.steps));
  }, [client, nextKey, incomplete]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (chosen.length < 2 || incomplete) return;
    void navigate({ to: '/analytics/funnels', search: next });
  };
  const tooFew = chosen.length < 2;
  return (
    <form className="analytics-form" onSubmit={submit} aria-label={t('funnels')}>
      <fieldset className="analytics-steps">
        <legend>{t('steps')}</legend>
        {steps.map((step, index) => (
          <div className="analytics-step" key={index}>
            <div className="analytics-step-head">
              <Field label={t('stepN', { n: index + 1 })}>
                {(props) => (
                  <select {...props} value={step.event} onChange={(event) => setStep(index, { event: event.target.value })}>
                    {options(step.event).map((name) => (
                      <option key={name} value={name}>
                        {name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {steps.length > 2 ? (
                <Button variant="ghost" aria-label={t('removeStep', { n: index + 1 })} onClick={() => setSteps(steps.filter((_, at) => at !== index))}>
                  ×
                </Button>
              ) : null}
            </div>
            <PropertyFilters where={step.where} ops={FILTER_OPS} onChange={(next) => setStep(index, { where: next.slice(0, 10) })} />
          </div>
        ))}
        {steps.length < 10 ? (
          <Button variant="ghost" onClick={() => setSteps([...steps, { event: names.find((name) => !steps.some((step) => step.event === name)) ?? names[0] ?? '', where: [] }])}>
            + {t('addStep')}
          </Button>
        ) : null}
      </fieldset>
      <div className="toolbar">
        <Choice label={t('period')} value={days} options={periodDays} onChange={setDays} text={(value) => t('lastDays', { days: value })} />
        <Choice label={t('window')} value={window} options={windowHours} onChange={setWindow} text={(value) => t(`hours${value}`)} />
        <Choice label={t('order')} value={order} options={funnelOrders} onChange={setOrder} text={(value) => t(`order_${value}`)} />
        <Choice<(typeof funnelBreakdowns)[number] | ''>
          label={t('breakdown')}
          value={breakdown}
          options={['', ...funnelBreakdowns]}
          onChange={setBreakdown}
          text={(value) => (value === '' ? t('none') : t(`breakdown_${value}`))}
        />
        <Button variant="primary" type="submit" disabled={tooFew || incomplete}>
          {t('run')}
        </Button>
      </div>
      {tooFew ? <p className="hint">{t('stepsTooFew')}</p> : null}
      {incomplete ? <p className="hint">{t('filterIncomplete')}</p> : null}
    </form>
  );
}

function FunnelResults({ search, result }: { search: FunnelSearch; result: FunnelResult }) {
  const t = useAnalyticsT();
  const format = useFormat();
  const navigate = useNavigate();
  const steps = result.steps;
  const first = steps[0]?.profiles ?? 0;
  const last = steps[steps.length - 1]?.profiles ?? 0;
  const shownStep = Math.min(search.step ?? steps.length, steps.length);
  const distribution = steps.find((step) => step.step === shownStep)?.timeToConvert ?? [];
  const buckets = steps[1]?.timeToConvert.map((bucket) => bucket.bucket) ?? [];
  const breakdownName = search.breakdown === undefined ? '' : t(`breakdown_${search.breakdown}`);
  const overall = (rows: FunnelStepResult[]) => {
    const start = rows[0]?.profiles ?? 0;
    return start === 0 ? 0 : (rows[rows.length - 1]?.profiles ?? 0) / start;
  };
  return (
    <>
      <Card title={t('funnelSteps')}>
        <p className="analytics-summary">{t('funnelSummary', { first: format.number(first), last: format.number(last), rate: format.percent(first === 0 ? 0 : last / first) })}</p>
        <BarChart
          summary={t('funnelSummary', { first: format.number(first), last: format.number(last), rate: format.percent(first === 0 ? 0 : last / first) })}
          data={steps.map((step) => ({ key: String(step.step), label: `${step.step}. ${step.label}`, value: step.profiles, display: format.number(step.profiles) }))}
        />
        <DataTable
          caption={t('funnelSteps')}
          csvName="funnel"
          rows={steps}
          rowKey={(row) => String(row.step)}
          columns={[
            { key: 'step', header: t('step'), numeric: true, cell: (row) => format.number(row.step), csv: (row) => row.step },
            { key: 'event', header: t('event'), cell: (row) => row.label },
            { key: 'profiles', header: t('profiles'), numeric: true, cell: (row) => format.number(row.profiles), csv: (row) => row.profiles },
            { key: 'previous', header: t('fromPrevious'), numeric: true, cell: (row) => ratio(format, row.conversionFromPrevious), csv: (row) => row.conversionFromPrevious },
            { key: 'first', header: t('fromFirst'), numeric: true, cell: (row) => ratio(format, row.conversionFromFirst), csv: (row) => row.conversionFromFirst },
            { key: 'drop', header: t('dropOff'), numeric: true, cell: (row) => format.number(row.dropOff), csv: (row) => row.dropOff },
            { key: 'median', header: t('medianTime'), numeric: true, cell: (row) => duration(format, row.medianSeconds), csv: (row) => row.medianSeconds },
          ]}
        />
      </Card>
      {steps.length < 2 ? null : (
        <Card
          title={t('timeToConvert')}
          actions={
            <Choice
              label={t('distributionFor')}
              value={shownStep}
              options={steps.slice(1).map((step) => step.step)}
              onChange={(step) => void navigate({ to: '/analytics/funnels', search: { ...search, step }, replace: true })}
              text={(value) => `${value}. ${steps.find((step) => step.step === value)?.label ?? ''}`}
            />
          }
        >
          <ColumnChart
            summary={t('distributionSummary', { n: shownStep })}
            data={distribution.map((bucket) => ({ key: bucket.bucket, label: bucket.bucket, value: bucket.profiles, display: format.number(bucket.profiles) }))}
          />
          <DataTable
            caption={t('timeToConvert')}
            csvName="funnel-time-to-convert"
            rows={buckets}
            rowKey={(bucket) => bucket}
            columns={[
              { key: 'bucket', header: t('interval'), cell: (bucket) => bucket },
              ...steps.slice(1).map((step) => ({
                key: `s${step.step}`,
                header: `${step.step}. ${step.label}`,
                numeric: true,
                cell: (bucket: string) => format.number(step.timeToConvert.find((entry) => entry.bucket === bucket)?.profiles ?? 0),
                csv: (bucket: string) => step.timeToConvert.find((entry) => entry.bucket === bucket)?.profiles ?? 0,
              })),
            ]}
          />
        </Card>
      )}
      {result.breakdown === undefined ? null : (
        <Card title={t('breakdownTitle', { breakdown: breakdownName })}>
          <BarChart
            summary={t('breakdownSummary', { breakdown: breakdownName })}
            data={result.breakdown.slice(0, 20).map((row) => ({ key: row.key, label: row.key, value: overall(row.steps), display: format.percent(overall(row.steps)) }))}
          />
          <DataTable
            caption={t('breakdownTitle', { breakdown: breakdownName })}
            csvName={`funnel-by-${search.breakdown ?? 'breakdown'}`}
            rows={result.breakdown}
            rowKey={(row) => row.key}
            columns={[
              { key: 'key', header: t('value'), cell: (row) => row.key },
              ...steps.map((step, index) => ({
                key: `s${step.step}`,
                header: `${step.step}. ${step.label}`,
                numeric: true,
                cell: (row: { steps: FunnelStepResult[] }) => format.number(row.steps[index]?.profiles ?? 0),
                csv: (row: { steps: FunnelStepResult[] }) => row.steps[index]?.profiles ?? 0,
              })),
              { key: 'overall', header: t('overall'), numeric: true, cell: (row) => format.percent(overall(row.steps)), csv: (row) => overall(row.steps) },
            ]}
          />
        </Card>
      )}
    </>
  );
}

export function FunnelsTab() {
  const t = useAnalyticsT();
  const search = funnelApi.useSearch();
  const names = useQuery(eventNamesQuery);
  const tracked = trackNames(names.data);
  const steps = funnelSteps(search, tracked);
  const funnel = useQuery({ ...funnelQuery(search, steps), enabled: names.data !== undefined && steps.length >= 2 });
  const describe = useFilterText();
  // A filtered step's label names its filters, so two steps on one event read apart in the chart, table and CSV.
  const labels = steps.map((event, index) => {
    const where = stepFilters(search, index);
    return where.length === 0 ? undefined : `${event} · ${where.map(describe).join(' · ')}`.slice(0, 200);
  });
  const result = funnel.data === undefined ? undefined : labelledFunnel(funnel.data, labels);
  if (names.isPending) return <Loading />;
  if (names.error !== null) return <ErrorNotice error={names.error} onRetry={() => void names.refetch()} />;
  if (tracked.length === 0) return <Empty>{t('noEvents')}</Empty>;
  return (
    <div className="analytics-tab">
      <Card>
        <FunnelForm key={JSON.stringify(search)} search={search} names={tracked} />
      </Card>
      {funnel.isFetching ? <Loading /> : null}
      <ErrorNotice error={funnel.error} onRetry={() => void funnel.refetch()} />
      {result === undefined ? null : <FunnelResults search={search} result={result} />}
    </div>
  );
}

/* ---------------------------------------------------------------- cohorts */

const cohortApi = getRouteApi('/signed-in/analytics/cohorts');

export function CohortsTab() {
  const t = useAnalyticsT();
  const format = useFormat();
  const navigate = useNavigate();
  const search: CohortSearch = cohortApi.useSearch();
  const anchor = search.anchor ?? 'first_purchase';
  const period = search.period ?? 'month';
  const periods = search.periods ?? (period === 'month' ? 6 : 12);
  const cohorts = useQuery(cohortQuery(search));
  const set = (next: CohortSearch) => void navigate({ to: '/analytics/cohorts', search: { ...search, ...next } });
  const rows = cohorts.data?.cohorts ?? [];
  const offsets = Array.from({ length: Math.max(0, ...rows.map((row) => Math.max(-1, ...row.periods.map((entry) => entry.offset)) + 1)) }, (_, index) => index);
  const rate = (rowIndex: number, offset: number) => rows[rowIndex]?.periods.find((entry) => entry.offset === offset)?.rate ?? null;
  const summary = t('cohortSummary', { n: rows.length });
  return (
    <div className="analytics-tab">
      <Card>
        <div className="toolbar">
          <Choice label={t('anchor')} value={anchor} options={cohortAnchors} onChange={(value) => set({ anchor: value })} text={(value) => t(`anchor_${value}`)} />
          <Choice label={t('cohortPeriod')} value={period} options={['month', 'week'] as const} onChange={(value) => set({ period: value })} text={(value) => t(value)} />
          <Choice label={t('periods')} value={periods} options={[3, 6, 12, 24]} onChange={(value) => set({ periods: value })} text={(value) => format.number(value)} />
        </div>
      </Card>
      {cohorts.isFetching ? <Loading /> : null}
      <ErrorNotice error={cohorts.error} onRetry={() => void cohorts.refetch()} />
      {cohorts.data === undefined ? null : (
        <Card title={t('retention')}>
          {rows.length === 0 ? (
            <Empty>{t('noCohorts')}</Empty>
          ) : (
            <>
              <p className="analytics-summary">{summary}</p>
              <Heatmap
                summary={summary}
                rows={rows.map((row) => row.cohort)}
                columns={offsets.map((offset) => t('offset', { n: offset }))}
                cell={(rowIndex, column) => {
                  const value = rate(rowIndex, column);
                  return { intensity: value, display: value === null ? '' : format.percent(value, 0) };
                }}
              />
            </>
          )}
          <DataTable
            caption={t('retention')}
            csvName="cohorts"
            rows={rows}
            rowKey={(row) => row.cohort}
            columns={[
              { key: 'cohort', header: t('cohort'), cell: (row) => row.cohort },
              { key: 'size', header: t('size'), numeric: true, cell: (row) => format.number(row.size), csv: (row) => row.size },
              { key: 'repeat', header: t('repeat'), numeric: true, cell: (row) => format.number(row.repeatCustomers), csv: (row) => row.repeatCustomers },
              { key: 'revenue', header: t('revenue'), numeric: true, cell: (row) => format.money(row.revenue), csv: (row) => row.revenue },
              ...offsets.map((offset) => ({
                key: `p${offset}`,
                header: t('offset', { n: offset }),
                numeric: true,
                cell: (row: CohortResult['cohorts'][number]) => {
                  const entry = row.periods.find((item) => item.offset === offset);
                  return entry === undefined ? '' : format.percent(entry.rate);
                },
                csv: (row: CohortResult['cohorts'][number]) => row.periods.find((item) => item.offset === offset)?.rate,
              })),
            ]}
          />
        </Card>
      )}
    </div>
  );
}

/* ---------------------------------------------------------------- RFM */

const rfmApi = getRouteApi('/signed-in/analytics/rfm');

export function RfmTab() {
  const t = useAnalyticsT();
  const tg = useT(rfmGroupMessages);
  const format = useFormat();
  const navigate = useNavigate();
  const search = rfmApi.useSearch();
  const compare = search.compare ?? 30;
  const rfm = useQuery(rfmQuery(search));
  const data = rfm.data;
  const grid = new Map<string, number>();
  for (const row of data?.profiles ?? []) grid.set(`${row.r}:${row.f}`, (grid.get(`${row.r}:${row.f}`) ?? 0) + 1);
  const gridMax = Math.max(1, ...grid.values());
  const movement = (data?.movement ?? []).filter((move) => move.from !== move.to).sort((a, b) => b.profiles - a.profiles);
  return (
    <div className="analytics-tab">
      <Card>
        <div className="toolbar">
          <Choice
            label={t('compare')}
            value={compare}
            options={rfmCompareDays}
            onChange={(value) => void navigate({ to: '/analytics/rfm', search: { compare: value } })}
            text={(value) => t('daysAgo', { days: value })}
          />
          {data === undefined ? null : <p className="muted">{t('customers', { n: format.number(data.customers) })}</p>}
        </div>
      </Card>
      {rfm.isFetching ? <Loading /> : null}
      <ErrorNotice error={rfm.error} onRetry={() => void rfm.refetch()} />
      {data === undefined ? null : (
        <>
          <div className="grid analytics-pair">
            <Card title={t('rfmGroups')}>
              <BarChart
                summary={t('groupsSummary')}
                data={data.groups.map((group) => ({ key: group.group, label: rfmGroupName(tg, group.group), value: group.profiles, display: format.number(group.profiles) }))}
              />
            </Card>
            <Card title={t('rfmGrid')}>
              <Heatmap
                summary={t('rfmGridSummary')}
                rows={[5, 4, 3, 2, 1].map((r) => t('recency', { n: r }))}
                columns={[1, 2, 3, 4, 5].map((f) => t('frequency', { n: f }))}
                cell={(row, column) => {
                  const count = grid.get(`${5 - row}:${column + 1}`) ?? 0;
                  return { intensity: count / gridMax, display: format.number(count) };
                }}
              />
            </Card>
          </div>
          <DataTable
            caption={t('rfmGroups')}
            csvName="rfm-groups"
            rows={data.groups}
            rowKey={(row) => row.group}
            columns={[
              { key: 'group', header: t('group'), cell: (row) => rfmGroupName(tg, row.group), csv: (row) => row.group },
              { key: 'profiles', header: t('profiles'), numeric: true, cell: (row) => format.number(row.profiles), csv: (row) => row.profiles },
              { key: 'share', header: t('share'), numeric: true, cell: (row) => format.percent(row.share), csv: (row) => row.share },
              { key: 'revenue', header: t('revenue'), numeric: true, cell: (row) => format.money(row.revenue), csv: (row) => row.revenue },
              { key: 'recency', header: t('avgRecency'), numeric: true, cell: (row) => (row.avgRecencyDays === null ? '—' : format.number(row.avgRecencyDays, 1)), csv: (row) => row.avgRecencyDays },
              { key: 'orders', header: t('avgOrders'), numeric: true, cell: (row) => (row.avgOrders === null ? '—' : format.number(row.avgOrders, 1)), csv: (row) => row.avgOrders },
              { key: 'avgRevenue', header: t('avgRevenue'), numeric: true, cell: (row) => (row.avgRevenue === null ? '—' : format.money(row.avgRevenue)), csv: (row) => row.avgRevenue },
            ]}
          />
          <Card title={t('movement')}>
            <DataTable
              caption={`${t('movement')} (${t('daysAgo', { days: compare })})`}
              csvName="rfm-movement"
              rows={movement}
              rowKey={(row) => `${row.from}>${row.to}`}
              columns={[
                { key: 'from', header: t('from'), cell: (row) => rfmGroupName(tg, row.from), csv: (row) => row.from },
                { key: 'to', header: t('to'), cell: (row) => rfmGroupName(tg, row.to), csv: (row) => row.to },
                { key: 'profiles', header: t('profiles'), numeric: true, cell: (row) => format.number(row.profiles), csv: (row) => row.profiles },
              ]}
            />
          </Card>
        </>
      )}
    </div>
  );
}

/* ---------------------------------------------------------------- attribution */

const attributionApi = getRouteApi('/signed-in/analytics/attribution');

export function AttributionTab() {
  const t = useAnalyticsT();
  const tc = useT(channelMessages);
  const format = useFormat();
  const navigate = useNavigate();
  const search: AttributionSearch = attributionApi.useSearch();
  const by = search.by ?? 'channel';
  const model = search.model ?? 'last_touch';
  const days = search.days ?? 30;
  const attribution = useQuery(attributionQuery(search));
  const set = (next: AttributionSearch) => void navigate({ to: '/analytics/attribution', search: { ...search, ...next } });
  const name = (key: string) => (by === 'channel' ? channelName(tc, key) : key === 'none' || key === 'direct' ? channelName(tc, key) : key);
  const money = (value: number | null) => (value === null ? '—' : format.money(value));
  const data = attribution.data;
  return (
    <div className="analytics-tab">
      <Card>
        <div className="toolbar">
          <Choice label={t('by')} value={by} options={attributionBys} onChange={(value) => set({ by: value })} text={(value) => t(`by_${value}`)} />
          <Choice label={t('model')} value={model} options={attributionModels} onChange={(value) => set({ model: value })} text={(value) => t(`model_${value}`)} />
          <Choice label={t('period')} value={days} options={periodDays} onChange={(value) => set({ days: value })} text={(value) => t('lastDays', { days: value })} />
        </div>
      </Card>
      {attribution.isFetching ? <Loading /> : null}
      <ErrorNotice error={attribution.error} onRetry={() => void attribution.refetch()} />
      {data === undefined ? null : (
        <Card title={t('attributionTable')}>
          <p className="analytics-summary">{t('totals', { orders: format.number(data.totals.orders), revenue: format.money(data.totals.revenue), spend: format.money(data.totals.spend) })}</p>
          <BarChart
            summary={t('attributionSummary', { by: t(`by_${by}`), model: t(`model_${model}`) })}
            data={data.rows.slice(0, 15).map((row) => ({ key: row.key, label: name(row.key), value: row.revenue, display: format.money(row.revenue) }))}
          />
          <DataTable
            caption={t('attributionSummary', { by: t(`by_${by}`), model: t(`model_${model}`) })}
            csvName={`attribution-by-${by}`}
            rows={data.rows}
            rowKey={(row) => row.key}
            columns={[
              { key: 'key', header: t(`by_${by}`), cell: (row) => name(row.key), csv: (row) => row.key },
              { key: 'orders', header: t('orders'), numeric: true, cell: (row) => format.number(row.orders), csv: (row) => row.orders },
              { key: 'revenue', header: t('revenue'), numeric: true, cell: (row) => format.money(row.revenue), csv: (row) => row.revenue },
              { key: 'converters', header: t('converters'), numeric: true, cell: (row) => format.number(row.converters), csv: (row) => row.converters },
              { key: 'touched', header: t('touched'), numeric: true, cell: (row) => (row.touched === null ? '—' : format.number(row.touched)), csv: (row) => row.touched },
              { key: 'rate', header: t('conversionRate'), numeric: true, cell: (row) => ratio(format, row.conversionRate), csv: (row) => row.conversionRate },
              { key: 'spend', header: t('spend'), numeric: true, cell: (row) => money(row.spend), csv: (row) => row.spend },
              { key: 'cpa', header: t('cpa'), numeric: true, cell: (row) => money(row.cpa), csv: (row) => row.cpa },
              { key: 'roas', header: t('roas'), numeric: true, cell: (row) => (row.roas === null ? '—' : `${format.number(row.roas, 2)}×`), csv: (row) => row.roas },
            ]}
          />
        </Card>
      )}
    </div>
  );
}

/* ---------------------------------------------------------------- KPI report */

const kpiApi = getRouteApi('/signed-in/analytics/kpis');
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function KpisTab() {
  const t = useAnalyticsT();
  const tk = useT(kpiMessages);
  const format = useFormat();
  const navigate = useNavigate();
  const search: KpiSearch = kpiApi.useSearch();
  const to = search.to ?? isoDay(Date.now());
  const from = search.from ?? isoDay(Date.parse(to) - 29 * DAY);
  const [draft, setDraft] = useState({ from, to });
  const kpis = useQuery({
    queryKey: ['analytics', 'kpis', from, to],
    queryFn: () => api.get<KpiReport>('/api/v1/analytics/kpis', { query: { from: `${from}T00:00:00.000Z`, to: new Date(Date.parse(to) + DAY).toISOString() } }),
  });
  const currency = kpis.data?.currency ?? 'USD';
  const wrong = draft.from === '' || draft.to === '' || draft.from > draft.to;
  return (
    <div className="analytics-tab">
      <Card>
        <form
          className="toolbar"
          onSubmit={(event) => {
            event.preventDefault();
            if (!wrong) void navigate({ to: '/analytics/kpis', search: draft });
          }}
        >
          <Field label={t('fromDate')}>{(props) => <input {...props} type="date" value={draft.from} max={draft.to} onChange={(event) => setDraft({ ...draft, from: event.target.value })} />}</Field>
          <Field label={t('toDate')}>{(props) => <input {...props} type="date" value={draft.to} min={draft.from} onChange={(event) => setDraft({ ...draft, to: event.target.value })} />}</Field>
          <Button type="submit" variant="primary" disabled={wrong}>
            {t('apply')}
          </Button>
        </form>
      </Card>
      {kpis.isFetching ? <Loading /> : null}
      <ErrorNotice error={kpis.error} onRetry={() => void kpis.refetch()} />
      {kpis.data === undefined ? null : (
        <DataTable
          caption={t('kpiTable', { from: format.date(kpis.data.from), to: format.date(kpis.data.to), previousFrom: format.date(kpis.data.previousFrom) })}
          csvName={`kpis-${from}-${to}`}
          rows={kpis.data.lines}
          rowKey={(row) => row.key}
          columns={[
            { key: 'kpi', header: t('kpi'), cell: (row) => kpiLabel(tk, row) },
            { key: 'value', header: t('current'), numeric: true, cell: (row) => kpiValue(tk, format, row.unit, row.value, currency), csv: (row) => row.value },
            { key: 'previous', header: t('previous'), numeric: true, cell: (row) => kpiValue(tk, format, row.unit, row.previous, currency), csv: (row) => row.previous },
            { key: 'change', header: t('change'), cell: (row) => kpiChange(tk, format, row, currency), csv: (row) => row.change },
            { key: 'benchmark', header: t('benchmark'), cell: (row) => kpiReference(tk, row) },
            { key: 'status', header: t('status'), cell: (row) => <Badge tone={kpiTone(row.status)}>{kpiStatus(tk, row.status)}</Badge>, csv: (row) => row.status },
          ]}
        />
      )}
    </div>
  );
}

/* ---------------------------------------------------------------- scheduled digests */

interface Schedule {
  id: string;
  frequency: 'daily' | 'weekly' | 'monthly' | 'quarterly';
  recipients: string[];
  nextRunAt: string;
  lastRunAt: string | null;
  lastError: string | null;
}

const frequencies = ['daily', 'weekly', 'monthly', 'quarterly'] as const;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The same checks as the API, so the field answers as you type; the API's message wins on submit. */
function recipientsProblem(t: (key: AnalyticsKey, vars?: Record<string, string>) => string, list: string[]): string | undefined {
  if (list.length === 0) return t('recipientsMissing');
  if (list.length > 50) return t('recipientsTooMany');
  const wrong = list.find((address) => address.length > 320 || !emailPattern.test(address));
  return wrong === undefined ? undefined : t('recipientsInvalid', { address: wrong });
}

function ScheduleForm() {
  const t = useAnalyticsT();
  const client = useQueryClient();
  const [frequency, setFrequency] = useState<Schedule['frequency']>('weekly');
  const [recipients, setRecipients] = useState('');
  const [touched, setTouched] = useState(false);
  const list = recipients
    .split(/[\s,;]+/)
    .map((address) => address.trim())
    .filter((address) => address !== '');
  const create = useMutation({
    mutationFn: () => api.post<Schedule>('/api/v1/analytics/reports', { body: { frequency, recipients: list } }),
    onSuccess: () => {
      setRecipients('');
      setTouched(false);
      void client.invalidateQueries({ queryKey: ['analytics', 'reports'] });
    },
  });
  const apiError = create.error instanceof ApiError ? (create.error.fieldMessage('recipients') ?? (create.error.status === 400 ? create.error.message : undefined)) : undefined;
  const problem = touched ? recipientsProblem(t, list) : undefined;
  return (
    <form
      className="analytics-form"
      onSubmit={(event) => {
        event.preventDefault();
        setTouched(true);
        if (recipientsProblem(t, list) === undefined) create.mutate();
      }}
      noValidate
    >
      <p className="muted">{t('digestHelp')}</p>
      <Choice label={t('frequencyLabel')} value={frequency} options={frequencies} onChange={setFrequency} text={(value) => t(value)} />
      <Field label={t('recipients')} hint={t('recipientsHint')} error={problem ?? apiError}>
        {(props) => (
          <textarea
            {...props}
            rows={3}
            value={recipients}
            onChange={(event) => {
              setRecipients(event.target.value);
              create.reset();
            }}
            onBlur={() => setTouched(recipients !== '')}
          />
        )}
      </Field>
      {create.error !== null && apiError === undefined ? <ErrorNotice error={create.error} /> : null}
      {create.isSuccess ? (
        <p className="notice good" role="status">
          {t('scheduled')}
        </p>
      ) : null}
      <Button type="submit" variant="primary" busy={create.isPending}>
        {t('schedule')}
      </Button>
    </form>
  );
}

export function ReportsTab() {
  const t = useAnalyticsT();
  const format = useFormat();
  const client = useQueryClient();
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const schedules = useQuery({ queryKey: ['analytics', 'reports'], queryFn: () => api.get<{ schedules: Schedule[] }>('/api/v1/analytics/reports') });
  const remove = useMutation({
    mutationFn: (id: string) => api.delete<undefined>('/api/v1/analytics/reports/{id}', { params: { id } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['analytics', 'reports'] }),
  });
  const send = useMutation({ mutationFn: (id: string) => api.post<{ sent: boolean }>('/api/v1/analytics/reports/{id}/send', { params: { id } }) });
  const actions = (row: Schedule): ReactNode =>
    editable ? (
      <span className="analytics-row-actions">
        <Button variant="ghost" busy={send.isPending && send.variables === row.id} onClick={() => send.mutate(row.id)}>
          {t('sendNow')}
        </Button>
        <Button
          variant="danger"
          aria-label={t('removeLabel', { frequency: t(row.frequency), recipients: row.recipients.join(', ') })}
          busy={remove.isPending && remove.variables === row.id}
          onClick={() => remove.mutate(row.id)}
        >
          {t('remove')}
        </Button>
      </span>
    ) : null;
  return (
    <div className="analytics-tab">
      <div className="grid analytics-pair">
        <Card title={t('schedules')}>
          {schedules.isPending ? <Loading /> : null}
          <ErrorNotice error={schedules.error ?? remove.error ?? send.error} onRetry={() => void schedules.refetch()} />
          {send.isSuccess ? (
            <p className="notice good" role="status">
              {t('sent')}
            </p>
          ) : null}
          {schedules.data === undefined ? null : (
            <DataTable
              caption={t('schedules')}
              rows={schedules.data.schedules}
              rowKey={(row) => row.id}
              empty={t('noSchedules')}
              columns={[
                { key: 'frequency', header: t('frequencyLabel'), cell: (row) => t(row.frequency), csv: (row) => row.frequency },
                { key: 'recipients', header: t('recipients'), cell: (row) => row.recipients.join(', ') },
                { key: 'next', header: t('nextRun'), cell: (row) => format.dateTime(row.nextRunAt), csv: (row) => row.nextRunAt },
                {
                  key: 'last',
                  header: t('lastRun'),
                  cell: (row) => (row.lastRunAt === null ? t('never') : format.dateTime(row.lastRunAt)),
                  csv: (row) => row.lastRunAt,
                },
                { key: 'error', header: t('lastError'), cell: (row) => row.lastError ?? '—' },
                ...(editable ? [{ key: 'actions', header: t('actions'), cell: actions, csv: () => '' }] : []),
              ]}
            />
          )}
        </Card>
        <Card title={t('newDigest')}>{editable ? <ScheduleForm /> : <p className="notice info">{t('readOnly')}</p>}</Card>
      </div>
    </div>
  );
}
