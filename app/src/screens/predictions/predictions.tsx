import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api/client';
import { useFormat, useT, type Format, type Translate } from '../../i18n/i18n';
import { canEdit, useSession } from '../../shell/session';
import { Badge, Button, Card, DataTable, Empty, ErrorNotice, Field, Loading, Page, Stat, type Column } from '../../ui/ui';
import { predictionMessages } from './messages';
import {
  PRODUCT_STRATEGIES,
  PROFILE_STRATEGIES,
  STRATEGIES,
  type BusinessRules,
  type Distribution,
  type Distributions,
  type Fitted,
  type Insufficient,
  type ModelReport,
  type PropensityReport,
  type RecommendationResult,
  type Recommended,
  type RunView,
  type StockForecast,
  type Strategy,
  type Training,
} from './model';
import './predictions.css';

/*
 * Predictions and recommendations: the last model runs with their health (a failed run is shown
 * failed, with none of its numbers), how CLV and churn risk spread over the profiles (histogram
 * and table), the restock list, and the recommendation strategies with their rules and a preview.
 */

type PredictionKey = keyof typeof predictionMessages.en;
type T = Translate<PredictionKey>;

function RunStatus({ status }: { status: RunView['status'] }) {
  const t = useT(predictionMessages);
  return <Badge tone={status === 'completed' ? 'good' : status === 'failed' ? 'bad' : 'info'}>{t(`status.${status}`)}</Badge>;
}

interface HealthRow {
  model: PredictionKey;
  result: string;
  tone: 'good' | 'bad' | 'warn' | 'neutral';
  detail: string;
}

function fitRow(t: T, format: Format, model: PredictionKey, outcome: Fitted | Insufficient | undefined): HealthRow {
  if (outcome === undefined) return { model, result: t('skipped'), tone: 'neutral', detail: '' };
  if (outcome.status !== 'fitted') return { model, result: t(outcome.status === 'skipped' ? 'skipped' : 'insufficient'), tone: 'warn', detail: outcome.message ?? outcome.reason ?? '' };
  const detail = t('fitDetail', { ll: format.number(outcome.logLikelihood, 1), customers: format.number(outcome.customers), iterations: format.number(outcome.optimizer.iterations) });
  if (outcome.degenerate !== undefined) return { model, result: t('degenerate'), tone: 'bad', detail: `${outcome.degenerate}; ${detail}` };
  if (!outcome.optimizer.converged) return { model, result: t('notConverged'), tone: 'bad', detail };
  return { model, result: t('fitted'), tone: 'good', detail };
}

function propensityRow(t: T, format: Format, model: PredictionKey, outcome: PropensityReport | Insufficient | undefined): HealthRow {
  if (outcome === undefined || outcome.status !== 'trained') return { model, result: t('insufficient'), tone: 'warn', detail: outcome?.message ?? '' };
  const { auc, baselineRecencyAuc, brier, baselineBrier } = outcome.holdout;
  const beats = auc !== null && baselineRecencyAuc !== null && auc > baselineRecencyAuc;
  return {
    model,
    result: t('trained'),
    tone: beats ? 'good' : 'warn',
    detail: t('aucDetail', {
      auc: auc === null ? '—' : format.number(auc, 3),
      baseline: baselineRecencyAuc === null ? '—' : format.number(baselineRecencyAuc, 3),
      brier: format.number(brier, 4),
      baseBrier: format.number(baselineBrier, 4),
    }),
  };
}

/** What each model of a completed run says about itself. */
function healthRows(t: T, format: Format, report: Partial<ModelReport>): HealthRow[] {
  const rows: HealthRow[] = [fitRow(t, format, 'model.bgnbd', report.clv?.bgnbd), fitRow(t, format, 'model.gammaGamma', report.clv?.gammaGamma)];
  const holdout = report.clv?.holdout;
  if (holdout !== undefined)
    rows.push(
      holdout.status === 'checked'
        ? {
            model: 'model.holdout',
            result: t('checked'),
            tone: holdout.relativeError !== null && Math.abs(holdout.relativeError) <= 0.25 ? 'good' : 'warn',
            detail: t('holdoutDetail', {
              predicted: format.number(holdout.predictedOrders, 1),
              days: holdout.days,
              actual: format.number(holdout.actualOrders),
              error: holdout.relativeError === null ? '—' : format.percent(holdout.relativeError, 1),
              correlation: holdout.correlation === null ? '—' : format.number(holdout.correlation, 2),
            }),
          }
        : { model: 'model.holdout', result: t(holdout.status === 'skipped' ? 'skipped' : 'insufficient'), tone: 'warn', detail: holdout.message ?? holdout.reason ?? '' },
    );
  rows.push(propensityRow(t, format, 'model.propensity7d', report.propensity?.['7d']), propensityRow(t, format, 'model.propensity30d', report.propensity?.['30d']));
  const next = report.nextOrder;
  if (next !== undefined)
    rows.push(
      next.status === 'fitted'
        ? { model: 'model.nextOrder', result: t('fitted'), tone: 'good', detail: t('nextDetail', { days: format.number(next.medianIntervalDays, 1), predicted: format.number(next.predicted) }) }
        : { model: 'model.nextOrder', result: t('insufficient'), tone: 'warn', detail: next.message ?? '' },
    );
  return rows;
}

/** A histogram (bars scaled to the fullest bin) with its table and CSV: the chart for the eye, the table for everyone. */
function DistributionCard({
  title,
  caption,
  distribution,
  label,
  csvName,
}: {
  title: string;
  caption: string;
  distribution: Distribution;
  label: (from: number, to: number, last: boolean) => string;
  csvName: string;
}) {
  const t = useT(predictionMessages);
  const format = useFormat();
  const peak = Math.max(1, ...distribution.bins.map((bin) => bin.count));
  const rows = distribution.bins.map((bin, index) => ({ ...bin, last: index === distribution.bins.length - 1 }));
  type Row = (typeof rows)[number];
  const columns: Column<Row>[] = [
    { key: 'range', header: t('range'), cell: (row) => label(row.from, row.to, row.last) },
    { key: 'profiles', header: t('profiles'), numeric: true, cell: (row) => format.number(row.count), csv: (row) => row.count },
    {
      key: 'share',
      header: t('share'),
      numeric: true,
      cell: (row) => format.percent(distribution.count === 0 ? 0 : row.count / distribution.count, 1),
      csv: (row) => (distribution.count === 0 ? 0 : row.count / distribution.count),
    },
  ];
  return (
    <Card title={title}>
      {distribution.count === 0 ? (
        <Empty>{t('noScores')}</Empty>
      ) : (
        <>
          <div className="grid stats">
            <Stat label={t('scored')} value={format.number(distribution.count)} />
            <Stat label={t('mean')} value={distribution.mean === null ? '—' : label(distribution.mean, distribution.mean, false).split(' – ')[0]} />
            <Stat label={t('median')} value={distribution.median === null ? '—' : label(distribution.median, distribution.median, false).split(' – ')[0]} />
            <Stat label={t('p90')} value={distribution.p90 === null ? '—' : label(distribution.p90, distribution.p90, false).split(' – ')[0]} />
          </div>
          <div className="predictions-histogram" role="img" aria-label={t('histogram', { title, count: format.number(distribution.count) })}>
            {rows.map((row) => (
              <div key={row.from} className="predictions-bar" title={`${label(row.from, row.to, row.last)}: ${format.number(row.count)}`}>
                <span style={{ blockSize: `${(row.count / peak) * 100}%` }} />
              </div>
            ))}
          </div>
          <DataTable caption={caption} columns={columns} rows={rows} rowKey={(row) => String(row.from)} csvName={csvName} />
        </>
      )}
    </Card>
  );
}

function rulesSummary(t: T, format: Format, rules: BusinessRules | undefined): string {
  if (rules === undefined || Object.keys(rules).length === 0) return t('noRules');
  const parts: string[] = [];
  if (rules.inStockOnly !== undefined) parts.push(t(rules.inStockOnly ? 'rule.inStockOnly' : 'rule.outOfStockToo'));
  if (rules.excludePurchased === true) parts.push(t('rule.excludePurchased'));
  if (rules.excludeCart === true) parts.push(t('rule.excludeCart'));
  if (rules.priceMin !== undefined || rules.priceMax !== undefined)
    parts.push(t('rule.price', { min: rules.priceMin === undefined ? '0' : format.number(rules.priceMin, 2), max: rules.priceMax === undefined ? '∞' : format.number(rules.priceMax, 2) }));
  const include = [...(rules.includeCategories ?? []), ...(rules.includeBrands ?? [])];
  if (include.length > 0) parts.push(t('rule.include', { list: include.join(', ') }));
  const exclude = [...(rules.excludeCategories ?? []), ...(rules.excludeBrands ?? [])];
  if (exclude.length > 0) parts.push(t('rule.exclude', { list: exclude.join(', ') }));
  if ((rules.boosts ?? []).length > 0) parts.push(t('rule.boosts', { count: rules.boosts?.length ?? 0 }));
  if ((rules.pins ?? []).length > 0) parts.push(t('rule.pins', { count: rules.pins?.length ?? 0 }));
  if (rules.maxPerCategory !== undefined) parts.push(t('rule.maxPerCategory', { count: rules.maxPerCategory }));
  if (rules.maxPerBrand !== undefined) parts.push(t('rule.maxPerBrand', { count: rules.maxPerBrand }));
  if (rules.repurchaseDays !== undefined)
    parts.push(
      t('rule.repurchase', {
        list: Object.entries(rules.repurchaseDays)
          .map(([category, days]) => `${category}: ${days}`)
          .join(', '),
      }),
    );
  if ((rules.fallback ?? []).length > 0) parts.push(t('rule.fallback', { list: (rules.fallback ?? []).join(', ') }));
  return parts.join(' · ');
}

function RecommendationPreview() {
  const t = useT(predictionMessages);
  const format = useFormat();
  const [strategy, setStrategy] = useState<Strategy>('best-sellers');
  const [profile, setProfile] = useState('');
  const [product, setProduct] = useState('');
  const [limit, setLimit] = useState('8');
  const preview = useMutation({
    mutationFn: async () => {
      let profileId = profile.trim();
      if (profileId.includes('@')) {
        const found = await api.get<{ id: string }>('/api/v1/profiles/lookup', { query: { type: 'email', value: profileId.toLowerCase() } }).catch((error: unknown) => {
          if (error instanceof ApiError && error.status === 404) throw new ApiError(404, 'not_found', t('noProfile'), [{ field: 'query.profile', message: t('noProfile') }]);
          throw error;
        });
        profileId = found.id;
      }
      return api.get<RecommendationResult>('/api/v1/recommendations', {
        query: { strategy, limit: Math.min(100, Math.max(1, Number(limit) || 8)), ...(profileId === '' ? {} : { profile: profileId }), ...(product.trim() === '' ? {} : { product: product.trim() }) },
      });
    },
  });
  const error = preview.error instanceof ApiError ? preview.error : undefined;
  const columns: Column<Recommended>[] = [
    { key: 'rank', header: t('rank'), numeric: true, cell: (row) => format.number((preview.data?.items.indexOf(row) ?? 0) + 1) },
    { key: 'name', header: t('name'), cell: (row) => `${row.name ?? row.id}${row.pinned ? ` (${t('pinned')})` : ''}`, csv: (row) => row.name ?? row.id },
    { key: 'id', header: t('product'), cell: (row) => <code>{row.id}</code>, csv: (row) => row.id },
    { key: 'category', header: t('category'), cell: (row) => row.category ?? '—', csv: (row) => row.category },
    { key: 'price', header: t('price'), numeric: true, cell: (row) => (row.price === null ? '—' : format.money(row.price, row.currency ?? 'USD')), csv: (row) => row.price },
    { key: 'strategy', header: t('strategy'), cell: (row) => row.strategy },
    { key: 'score', header: t('score'), numeric: true, cell: (row) => format.number(row.score, 3), csv: (row) => row.score },
  ];
  return (
    <Card title={t('preview')}>
      <p className="muted small">{t('previewHint')}</p>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          preview.mutate();
        }}
      >
        <div className="predictions-grid">
          <Field label={t('strategy')} hint={t(`strategy.${strategy}`)} error={error?.fieldMessage('query.strategy')}>
            {(props) => (
              <select {...props} value={strategy} onChange={(event) => setStrategy(STRATEGIES.find((entry) => entry === event.target.value) ?? 'best-sellers')}>
                {STRATEGIES.map((entry) => (
                  <option key={entry} value={entry}>
                    {entry}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('profile')} error={error?.fieldMessage('query.profile') ?? (error?.status === 404 && error.message.includes('profile') ? error.message : undefined)}>
            {(props) => <input {...props} dir="ltr" maxLength={500} value={profile} required={PROFILE_STRATEGIES.has(strategy)} onChange={(event) => setProfile(event.target.value)} />}
          </Field>
          <Field label={t('productId')} error={error?.fieldMessage('query.product')}>
            {(props) => <input {...props} dir="ltr" maxLength={200} value={product} required={PRODUCT_STRATEGIES.has(strategy)} onChange={(event) => setProduct(event.target.value)} />}
          </Field>
          <Field label={t('limit')} error={error?.fieldMessage('query.limit')}>
            {(props) => <input {...props} type="number" min={1} max={100} step={1} value={limit} onChange={(event) => setLimit(event.target.value)} />}
          </Field>
        </div>
        <div>
          <Button type="submit" variant="primary" busy={preview.isPending}>
            {t('show')}
          </Button>
        </div>
      </form>
      {error !== undefined && error.issues.length === 0 && error.status !== 404 ? <ErrorNotice error={error} /> : null}
      {preview.data === undefined ? null : (
        <DataTable caption={t('previewCaption')} columns={columns} rows={preview.data.items} rowKey={(row) => row.id} csvName={`recommendations-${preview.data.strategy}`} empty={t('noItems')} />
      )}
    </Card>
  );
}

export function PredictionsScreen() {
  const t = useT(predictionMessages);
  const format = useFormat();
  const { me } = useSession();
  const client = useQueryClient();
  const editable = canEdit(me?.role);
  const runs = useQuery({
    queryKey: ['predictive', 'reports'],
    queryFn: () => api.get<{ reports: RunView[] }>('/api/v1/predictive/reports', { query: { limit: 10 } }),
    // While a run is in progress, follow it.
    refetchInterval: (query) => (query.state.data?.reports.some((run) => run.status === 'running') === true ? 2000 : false),
  });
  const distributions = useQuery({ queryKey: ['predictive', 'distributions'], queryFn: () => api.get<Distributions>('/api/v1/predictive/distributions') });
  const rules = useQuery({ queryKey: ['recommendations', 'rules'], queryFn: () => api.get<{ rules: Record<string, BusinessRules> }>('/api/v1/recommendations/rules') });
  const trainings = useQuery({ queryKey: ['recommendations', 'trainings'], queryFn: () => api.get<{ trainings: Training[] }>('/api/v1/recommendations/trainings') });
  const refresh = useMutation({
    mutationFn: () => api.post('/api/v1/predictive/refresh'),
    onSuccess: () => client.invalidateQueries({ queryKey: ['predictive'] }),
  });
  const train = useMutation({
    mutationFn: () => api.post('/api/v1/recommendations/trainings'),
    onSuccess: () => client.invalidateQueries({ queryKey: ['recommendations'] }),
  });

  const list = runs.data?.reports ?? [];
  const latest = list[0];
  const runColumns: Column<RunView>[] = [
    { key: 'started', header: t('started'), cell: (run) => format.dateTime(run.startedAt), csv: (run) => run.startedAt },
    { key: 'trigger', header: t('trigger'), cell: (run) => (run.trigger === 'job' || run.trigger === 'cli' || run.trigger === 'api' ? t(`trigger.${run.trigger}`) : run.trigger) },
    { key: 'status', header: t('status'), cell: (run) => <RunStatus status={run.status} />, csv: (run) => run.status },
    { key: 'duration', header: t('duration'), numeric: true, cell: (run) => (run.seconds === null ? '—' : t('seconds', { seconds: format.number(run.seconds, 1) })), csv: (run) => run.seconds },
    {
      key: 'customers',
      header: t('customers'),
      numeric: true,
      cell: (run) => (run.status === 'failed' ? '—' : format.number(run.report?.data?.customers ?? Number.NaN)),
      csv: (run) => run.report?.data?.customers,
    },
    // A failed run wrote nothing: show none of its numbers.
    {
      key: 'written',
      header: t('written'),
      numeric: true,
      cell: (run) => (run.status === 'completed' ? format.number(run.report?.scores?.written ?? 0) : '—'),
      csv: (run) => (run.status === 'completed' ? run.report?.scores?.written : ''),
    },
  ];
  const healthColumns: Column<HealthRow>[] = [
    { key: 'model', header: t('model'), cell: (row) => t(row.model) },
    { key: 'result', header: t('result'), cell: (row) => <Badge tone={row.tone}>{row.result}</Badge>, csv: (row) => row.result },
    { key: 'detail', header: t('detail'), cell: (row) => row.detail },
  ];
  const restock: StockForecast[] = latest?.status === 'completed' ? (latest.report?.stockout?.restock ?? []) : [];
  const restockColumns: Column<StockForecast>[] = [
    { key: 'product', header: t('product'), cell: (row) => <code>{row.productId}</code>, csv: (row) => row.productId },
    { key: 'inventory', header: t('inventory'), numeric: true, cell: (row) => format.number(row.inventory), csv: (row) => row.inventory },
    { key: 'perDay', header: t('perDay'), numeric: true, cell: (row) => format.number(row.perDay, 2), csv: (row) => row.perDay },
    { key: 'days', header: t('daysLeft'), numeric: true, cell: (row) => (row.daysToSellOut === null ? '—' : format.number(row.daysToSellOut, 1)), csv: (row) => row.daysToSellOut },
    { key: 'order', header: t('order'), numeric: true, cell: (row) => format.number(row.suggestedQuantity), csv: (row) => row.suggestedQuantity },
  ];
  const lastTraining = trainings.data?.trainings[0];
  type StrategyRow = { strategy: Strategy };
  const strategyColumns: Column<StrategyRow>[] = [
    { key: 'strategy', header: t('strategy'), cell: (row) => <code>{row.strategy}</code>, csv: (row) => row.strategy },
    { key: 'what', header: t('detail'), cell: (row) => t(`strategy.${row.strategy}`) },
    { key: 'rules', header: t('rules'), cell: (row) => rulesSummary(t, format, { ...(rules.data?.rules['*'] ?? {}), ...(rules.data?.rules[row.strategy] ?? {}) }) },
  ];
  const currency = distributions.data?.currency ?? 'USD';

  return (
    <Page
      title={t('title')}
      description={t('description')}
      actions={
        editable ? (
          <Button variant="primary" onClick={() => refresh.mutate()} busy={refresh.isPending || latest?.status === 'running'}>
            {latest?.status === 'running' ? t('refreshing') : t('refresh')}
          </Button>
        ) : undefined
      }
    >
      <div className="predictions-stack">
        {!editable ? <p className="notice info">{t('readOnly')}</p> : null}
        <ErrorNotice error={refresh.error} />
        <Card title={t('runs')}>
          {runs.isPending ? <Loading /> : null}
          <ErrorNotice error={runs.error} onRetry={() => void runs.refetch()} />
          {runs.data === undefined ? null : <DataTable caption={t('runsCaption')} columns={runColumns} rows={list} rowKey={(run) => run.id} csvName="model-runs" empty={t('noRuns')} />}
        </Card>
        {latest === undefined ? null : (
          <Card title={t('health')} actions={<RunStatus status={latest.status} />}>
            {latest.status === 'failed' ? (
              <div className="notice bad" role="status">
                <p>{t('failedRun')}</p>
                {latest.error === null ? null : <p className="small">{latest.error}</p>}
              </div>
            ) : latest.status === 'running' || latest.report === null ? (
              <Loading label={t('refreshing')} />
            ) : (
              <DataTable caption={t('healthCaption')} columns={healthColumns} rows={healthRows(t, format, latest.report)} rowKey={(row) => row.model} />
            )}
          </Card>
        )}
        <h2>{t('distributions')}</h2>
        <p className="muted small">{t('distributionsHint')}</p>
        <ErrorNotice error={distributions.error} onRetry={() => void distributions.refetch()} />
        {distributions.data === undefined ? (
          distributions.isPending ? (
            <Loading />
          ) : null
        ) : (
          <div className="predictions-two">
            <DistributionCard
              title={t('clv')}
              caption={t('clvCaption')}
              distribution={distributions.data.clv}
              csvName="clv-distribution"
              label={(from, to, last) =>
                from === to ? format.money(from, currency) : last ? t('andAbove', { from: format.money(from, currency) }) : `${format.money(from, currency)} – ${format.money(to, currency)}`
              }
            />
            <DistributionCard
              title={t('churn')}
              caption={t('churnCaption')}
              distribution={distributions.data.churnRisk}
              csvName="churn-risk-distribution"
              label={(from, to) => (from === to ? format.percent(from, 0) : `${format.percent(from, 0)} – ${format.percent(to, 0)}`)}
            />
          </div>
        )}
        <Card title={t('restock')}>
          <DataTable caption={t('restockCaption')} columns={restockColumns} rows={restock} rowKey={(row) => row.productId} csvName="restock" empty={t('restockEmpty')} />
        </Card>
        <Card
          title={t('recommendations')}
          actions={
            editable ? (
              <Button onClick={() => train.mutate()} busy={train.isPending || lastTraining?.status === 'running' || lastTraining?.status === 'queued'}>
                {t('train')}
              </Button>
            ) : undefined
          }
        >
          <ErrorNotice error={rules.error ?? trainings.error ?? train.error} />
          <p className="muted small">
            {t('training')}:{' '}
            {lastTraining === undefined
              ? t('noTraining')
              : t('trainingLine', { status: t(`training.${lastTraining.status}`), when: format.relative(lastTraining.finished_at ?? lastTraining.created_at) })}
          </p>
          <DataTable caption={t('strategiesCaption')} columns={strategyColumns} rows={STRATEGIES.map((strategy) => ({ strategy }))} rowKey={(row) => row.strategy} />
        </Card>
        <RecommendationPreview />
      </div>
    </Page>
  );
}
