import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api } from '../../api/client';
import { useFormat, useT, type Format } from '../../i18n/i18n';
import { canEdit, useSession } from '../../shell/session';
import { Badge, Button, Card, DataTable, ErrorNotice, Loading, Page, type Column } from '../../ui/ui';
import { PowerCalculator, StatusBadge } from './experiments';
import { experimentMessages } from './messages';
import { VERDICTS, WARNING_CODES, type Comparison, type Experiment, type MetricResult, type Results } from './model';
import { experimentRoute } from './routes';
import './experiments.css';

/*
 * One experiment: the method in words, the verdict and the warnings in the reader's language
 * (mapped from the API's codes, never its English sentences), the traffic split with its SRM
 * check, every metric's change against the control with its interval drawn on one axis, and the
 * promotion of a winner.
 */

type Row = MetricResult['variants'][number];

const signed = (format: Format, value: number, relative: boolean) => `${value > 0 ? '+' : value < 0 ? '−' : ''}${relative ? format.percent(Math.abs(value), 1) : format.number(Math.abs(value), 3)}`;

/** The interval of every comparison of a metric on one shared axis through zero. */
function IntervalChart({ rows, relative, label }: { rows: Row[]; relative: boolean; label: string }) {
  const format = useFormat();
  const comparisons = rows.flatMap((row) => (row.comparison !== null && row.comparison.ok ? [{ variant: row.variant, comparison: row.comparison }] : []));
  if (comparisons.length === 0) return null;
  const ends = comparisons.flatMap(({ comparison }) => [comparison.ci[0], comparison.ci[1], comparison.estimate]).filter((value): value is number => value !== null && Number.isFinite(value));
  const reach = Math.max(1e-9, ...ends.map(Math.abs)) * 1.15;
  const at = (value: number | null, fallback: number) => (value === null ? fallback : ((value + reach) / (2 * reach)) * 100);
  return (
    <div className="experiments-chart" role="img" aria-label={label}>
      {comparisons.map(({ variant, comparison }) => {
        const low = at(comparison.ci[0], 0);
        const high = at(comparison.ci[1], 100);
        const tone = comparison.significant ? (comparison.direction === 'worse' ? 'bad' : 'good') : 'neutral';
        return (
          <div key={variant} className="experiments-chart-row">
            <span className="experiments-chart-label">{variant}</span>
            <span className="experiments-chart-track">
              <span className="experiments-chart-zero" />
              <span className={`experiments-chart-bar ${tone}`} style={{ insetInlineStart: `${low}%`, inlineSize: `${Math.max(0.5, high - low)}%` }} />
              <span className="experiments-chart-dot" style={{ insetInlineStart: `${at(comparison.estimate, 50)}%` }} />
            </span>
            <span className="experiments-chart-value">{signed(format, comparison.estimate, relative)}</span>
          </div>
        );
      })}
    </div>
  );
}

function MetricCard({ metric, results, control }: { metric: MetricResult; results: Results; control: string }) {
  const t = useT(experimentMessages);
  const format = useFormat();
  const relative = results.difference === 'relative';
  const valueText = (value: number | null) => (value === null ? t('none') : metric.kind === 'conversion' ? format.percent(value, 2) : format.number(value, 2));
  const ci = (comparison: Comparison) =>
    comparison.ok
      ? t('intervalOf', {
          low: comparison.ci[0] === null ? t('unbounded') : signed(format, comparison.ci[0], relative),
          high: comparison.ci[1] === null ? t('unbounded') : signed(format, comparison.ci[1], relative),
        })
      : t('none');
  const certainty = (comparison: Comparison) => {
    if (!comparison.ok) return t('notComparable');
    const numbers = comparison.numbers;
    const said =
      numbers.method === 'bayesian'
        ? t('chanceToWin', { chance: format.percent(numbers.chanceToWin, 1) })
        : numbers.pValue === null
          ? ''
          : t('pValue', { p: format.number(numbers.adjustedPValue ?? numbers.pValue, 3) });
    return `${comparison.significant ? t('significant') : t('notSignificant')}${said === '' ? '' : ` · ${said}`}`;
  };
  const columns: Column<Row>[] = [
    {
      key: 'variant',
      header: t('variant'),
      cell: (row) =>
        row.variant === control ? (
          <>
            {row.variant} <Badge>{t('control')}</Badge>
          </>
        ) : (
          row.variant
        ),
      csv: (row) => row.variant,
    },
    { key: 'units', header: t('units'), numeric: true, cell: (row) => format.number(row.units), csv: (row) => row.units },
    { key: 'value', header: t('value'), numeric: true, cell: (row) => valueText(row.value), csv: (row) => row.value },
    {
      key: 'change',
      header: t('change'),
      numeric: true,
      cell: (row) => (row.comparison === null ? t('none') : row.comparison.ok ? signed(format, row.comparison.estimate, relative) : t('notComparable')),
      csv: (row) => (row.comparison?.ok === true ? row.comparison.estimate : ''),
    },
    {
      key: 'interval',
      header: t('interval'),
      cell: (row) => (row.comparison === null ? t('none') : ci(row.comparison)),
      csv: (row) => (row.comparison?.ok === true ? row.comparison.ci.join(' to ') : ''),
    },
    { key: 'certainty', header: t('certainty'), cell: (row) => (row.comparison === null ? t('none') : certainty(row.comparison)) },
  ];
  const tags = [metric.primary ? t('primary') : undefined, metric.guardrail ? t('guardrail') : undefined].filter(Boolean).join(', ');
  return (
    <Card title={`${metric.name}${tags === '' ? '' : ` (${tags})`}`}>
      <IntervalChart rows={metric.variants} relative={relative} label={`${metric.name}: ${t('change')}`} />
      <DataTable caption={`${t('metric')}: ${metric.name}`} columns={columns} rows={metric.variants} rowKey={(row) => row.variant} csvName={`experiment-${results.experiment}-${metric.metric}`} />
      {metric.cuped === null ? null : <p className="muted small">{t('cuped', { reduction: format.percent(metric.cuped.varianceReduction, 1) })}</p>}
    </Card>
  );
}

export function ExperimentScreen() {
  const t = useT(experimentMessages);
  const format = useFormat();
  const { id } = experimentRoute.useParams();
  const { me } = useSession();
  const client = useQueryClient();
  const experiment = useQuery({ queryKey: ['experiments', id], queryFn: () => api.get<Experiment>('/api/v1/experiments/{id}', { params: { id } }) });
  const results = useQuery({ queryKey: ['experiments', id, 'results'], queryFn: () => api.get<Results>('/api/v1/experiments/{id}/results', { params: { id } }) });
  const refresh = async () => {
    await client.invalidateQueries({ queryKey: ['experiments'] });
  };
  const promote = useMutation({ mutationFn: (variant: string) => api.post<Experiment>('/api/v1/experiments/{id}/promote', { params: { id }, body: { variant } }), onSuccess: refresh });
  const lifecycle = useMutation({ mutationFn: (action: 'start' | 'stop') => api.post<Experiment>(`/api/v1/experiments/{id}/${action}`, { params: { id } }), onSuccess: refresh });

  if (experiment.isPending) return <Loading />;
  if (experiment.data === undefined) return <ErrorNotice error={experiment.error} onRetry={() => void experiment.refetch()} />;
  const data = experiment.data;
  const method = data.definition.analysis?.method ?? 'sequential';
  const control = data.definition.variants[0]?.key ?? 'control';
  const editable = canEdit(me?.role);
  const r = results.data;
  const verdict = r === undefined ? undefined : VERDICTS.find((entry) => entry === r.verdict.status);
  const metricName = (metricId: string | undefined) => r?.metrics.find((metric) => metric.metric === metricId)?.name ?? metricId ?? '';
  const warningText = (warning: Results['warnings'][number]) => {
    const code = WARNING_CODES.find((entry) => entry === warning.code);
    if (code === undefined) return warning.message;
    return t(`warning.${code}`, { variant: warning.variant ?? '', metric: metricName(warning.metric), p: format.number(r?.srm.pValue ?? 0, 4) });
  };
  const unitColumns: Column<Results['units'][number]>[] = [
    { key: 'variant', header: t('variant'), cell: (row) => row.variant },
    { key: 'units', header: t('units'), numeric: true, cell: (row) => format.number(row.units), csv: (row) => row.units },
    { key: 'expected', header: t('expected'), numeric: true, cell: (row) => format.percent(row.expectedShare, 1), csv: (row) => row.expectedShare },
    { key: 'observed', header: t('observed'), numeric: true, cell: (row) => format.percent(row.observedShare, 1), csv: (row) => row.observedShare },
  ];
  const canPromote = editable && (data.status === 'running' || data.status === 'stopped');

  return (
    <Page
      title={data.name}
      description={
        <>
          <Link to="/experiments">{t('back')}</Link> · <StatusBadge status={data.status} /> {data.definition.description ?? ''}
        </>
      }
      actions={
        editable ? (
          <>
            {data.status === 'completed' ? null : (
              <Link className="button secondary" to="/experiments/$id/edit" params={{ id }}>
                {t('edit')}
              </Link>
            )}
            {data.status === 'draft' || data.status === 'stopped' ? (
              <Button onClick={() => lifecycle.mutate('start')} busy={lifecycle.isPending}>
                {t('start')}
              </Button>
            ) : null}
            {data.status === 'running' ? (
              <Button onClick={() => lifecycle.mutate('stop')} busy={lifecycle.isPending}>
                {t('stop')}
              </Button>
            ) : null}
          </>
        ) : undefined
      }
    >
      <div className="experiments-stack">
        {!editable ? <p className="notice info">{t('readOnly')}</p> : null}
        <ErrorNotice error={promote.error ?? lifecycle.error} />
        <Card title={t('method')}>
          <p>
            <strong>{t(`method.${method}`)}.</strong> {t(`methodWords.${method}`)}
          </p>
          {r === undefined ? null : (
            <p className="muted small">
              {t('alphaWords', { level: format.percent(1 - r.alpha, 0), difference: t(`difference.${r.difference}`) })} {t('computedAt', { when: format.relative(r.computedAt) })}
            </p>
          )}
        </Card>
        {results.isPending ? <Loading /> : null}
        <ErrorNotice error={results.error} onRetry={() => void results.refetch()} />
        {r === undefined ? null : (
          <>
            <Card title={t('verdict')}>
              <p className={`experiments-verdict ${verdict ?? ''}`} data-testid="verdict">
                {verdict === undefined ? r.verdict.text : t(`verdict.${verdict}`, { variant: r.verdict.variant ?? '' })}
              </p>
              {data.winner !== null ? <p className="notice good">{t('promoted', { variant: data.winner })}</p> : null}
              {r.promote !== null && data.winner === null ? <p className="notice info">{t('suggested', { variant: r.promote })}</p> : null}
              {canPromote ? (
                <div className="toolbar">
                  {data.definition.variants.map((variant) => (
                    <Button
                      key={variant.key}
                      variant={variant.key === r.promote || variant.key === r.verdict.variant ? 'primary' : 'secondary'}
                      title={t('promoteHint', { variant: variant.name ?? variant.key })}
                      busy={promote.isPending && promote.variables === variant.key}
                      onClick={() => window.confirm(t('confirmPromote', { variant: variant.name ?? variant.key })) && promote.mutate(variant.key)}
                    >
                      {t('promote', { variant: variant.name ?? variant.key })}
                    </Button>
                  ))}
                </div>
              ) : null}
            </Card>
            {r.warnings.length === 0 ? null : (
              <Card title={t('warnings')}>
                <ul className="experiments-warnings">
                  {r.warnings.map((warning, index) => (
                    <li key={`${warning.code}-${index}`} className={`notice ${warning.code === 'srm' || warning.code === 'guardrail' ? 'bad' : 'warn'}`}>
                      {warningText(warning)}
                    </li>
                  ))}
                </ul>
              </Card>
            )}
            <Card title={t('traffic')}>
              <DataTable caption={t('trafficCaption')} columns={unitColumns} rows={r.units} rowKey={(row) => row.variant} csvName={`experiment-${r.experiment}-units`} />
              {r.srm.mismatch ? null : <p className="muted small">{t('srmOk', { p: format.number(r.srm.pValue, 3) })}</p>}
            </Card>
            {r.metrics.map((metric) => (
              <MetricCard key={metric.metric} metric={metric} results={r} control={control} />
            ))}
          </>
        )}
        <PowerCalculator variants={data.definition.variants.length} />
      </div>
    </Page>
  );
}
