import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api, ApiError } from '../../api/client';
import { useFormat, useT } from '../../i18n/i18n';
import { canEdit, useSession } from '../../shell/session';
import { Badge, Button, Card, DataTable, ErrorNotice, Field, Loading, Page, Stat, type Column } from '../../ui/ui';
import { experimentMessages } from './messages';
import type { Experiment, ExperimentStatus } from './model';
import './experiments.css';

/*
 * The experiments list and the power calculator (the API's: the same normal-approximation
 * formula the analysis warns "underpowered" with, so the plan and the warning agree).
 */

export const statusTone = (status: ExperimentStatus) => (status === 'running' ? 'good' : status === 'completed' ? 'info' : status === 'stopped' ? 'warn' : 'neutral');

export function StatusBadge({ status }: { status: ExperimentStatus }) {
  const t = useT(experimentMessages);
  return <Badge tone={statusTone(status)}>{t(`status.${status}`)}</Badge>;
}

interface PowerAnswer {
  unitsPerVariant: number | null;
  minimumDetectableEffect: number | null;
  power: number | null;
}

/** Percent inputs kept as typed text, so a half-typed "0." is not lost; checked as the user types. */
export function PowerCalculator({ variants = 2 }: { variants?: number }) {
  const t = useT(experimentMessages);
  const format = useFormat();
  const [baseline, setBaseline] = useState('3');
  const [mde, setMde] = useState('10');
  const [powerLevel, setPowerLevel] = useState('80');
  const [alpha, setAlpha] = useState('5');
  const [daily, setDaily] = useState('');
  const b = Number(baseline);
  const m = Number(mde);
  const p = Number(powerLevel);
  const a = Number(alpha);
  const issues = {
    baseline: b > 0 && b < 100 ? undefined : t('issue.baseline'),
    mde: m > 0 ? undefined : t('issue.mde'),
    power: p >= 50 && p <= 99.9 ? undefined : t('issue.power'),
    alpha: a >= 0.1 && a <= 49 ? undefined : t('issue.alpha'),
  };
  const valid = Object.values(issues).every((issue) => issue === undefined);
  const calculate = useMutation({
    mutationFn: (body: { baseline: number; relativeEffect: number; power: number; alpha: number }) =>
      api.post<PowerAnswer & { asked: typeof body }>('/api/v1/experiments/power', { body }).then((answer) => ({ ...answer, asked: body })),
  });
  const apiError = calculate.error instanceof ApiError ? calculate.error : undefined;
  const answer = calculate.data;
  const perDay = Number(daily);
  return (
    <Card title={t('power')}>
      <p className="muted small">{t('powerHint')}</p>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (valid) calculate.mutate({ baseline: b / 100, relativeEffect: m / 100, power: p / 100, alpha: a / 100 });
        }}
      >
        <div className="experiments-grid">
          <Field label={t('baseline')} error={issues.baseline ?? apiError?.fieldMessage('baseline')}>
            {(props) => <input {...props} type="number" inputMode="decimal" min={0} max={100} step="any" value={baseline} onChange={(event) => setBaseline(event.target.value)} />}
          </Field>
          <Field label={t('mde')} error={issues.mde ?? apiError?.fieldMessage('relativeEffect')}>
            {(props) => <input {...props} type="number" inputMode="decimal" min={0} step="any" value={mde} onChange={(event) => setMde(event.target.value)} />}
          </Field>
          <Field label={t('powerLevel')} error={issues.power ?? apiError?.fieldMessage('power')}>
            {(props) => <input {...props} type="number" inputMode="decimal" min={50} max={99.9} step="any" value={powerLevel} onChange={(event) => setPowerLevel(event.target.value)} />}
          </Field>
          <Field label={t('alpha')} error={issues.alpha ?? apiError?.fieldMessage('alpha')}>
            {(props) => <input {...props} type="number" inputMode="decimal" min={0.1} max={49} step="any" value={alpha} onChange={(event) => setAlpha(event.target.value)} />}
          </Field>
          <Field label={t('daily')}>{(props) => <input {...props} type="number" inputMode="numeric" min={1} step={1} value={daily} onChange={(event) => setDaily(event.target.value)} />}</Field>
        </div>
        <div>
          <Button type="submit" variant="primary" busy={calculate.isPending} disabled={!valid}>
            {t('calculate')}
          </Button>
        </div>
      </form>
      {apiError !== undefined && apiError.issues.length === 0 ? <ErrorNotice error={apiError} /> : null}
      {answer === undefined || answer.unitsPerVariant === null ? null : (
        <div className="experiments-power-answer" role="status">
          <div className="grid stats">
            <Stat label={t('perVariant')} value={<span data-testid="units-per-variant">{format.number(answer.unitsPerVariant)}</span>} />
            <Stat label={t('totalUnits', { variants })} value={format.number(answer.unitsPerVariant * variants)} />
            {perDay > 0 ? <Stat label={t('duration')} value={t('days', { days: format.number(Math.ceil((answer.unitsPerVariant * variants) / perDay)) })} /> : null}
          </div>
          <p className="muted small">
            {t('powerResult', {
              mde: format.percent(answer.asked.relativeEffect, 1),
              baseline: format.percent(answer.asked.baseline, 2),
              power: format.percent(answer.asked.power, 1),
              alpha: format.percent(answer.asked.alpha, 1),
            })}
          </p>
        </div>
      )}
    </Card>
  );
}

export function ExperimentsScreen() {
  const t = useT(experimentMessages);
  const format = useFormat();
  const { me } = useSession();
  const experiments = useQuery({ queryKey: ['experiments', 'list'], queryFn: () => api.get<{ experiments: Experiment[] }>('/api/v1/experiments') });
  const columns: Column<Experiment>[] = [
    {
      key: 'name',
      header: t('name'),
      cell: (experiment) => (
        <Link to="/experiments/$id" params={{ id: experiment.id }}>
          {experiment.name}
        </Link>
      ),
      csv: (experiment) => experiment.name,
    },
    { key: 'status', header: t('status'), cell: (experiment) => <StatusBadge status={experiment.status} />, csv: (experiment) => experiment.status },
    { key: 'method', header: t('method'), cell: (experiment) => t(`method.${experiment.definition.analysis?.method ?? 'sequential'}`) },
    {
      key: 'variants',
      header: t('variants'),
      cell: (experiment) => experiment.definition.variants.map((variant) => variant.name ?? variant.key).join(' · '),
    },
    { key: 'started', header: t('started'), cell: (experiment) => (experiment.startedAt === null ? t('none') : format.date(experiment.startedAt)), csv: (experiment) => experiment.startedAt ?? '' },
    { key: 'winner', header: t('winner'), cell: (experiment) => experiment.winner ?? t('none'), csv: (experiment) => experiment.winner ?? '' },
  ];
  return (
    <Page
      title={t('title')}
      description={t('description')}
      actions={
        canEdit(me?.role) ? (
          <Link className="button primary" to="/experiments/new">
            {t('newExperiment')}
          </Link>
        ) : undefined
      }
    >
      <div className="experiments-stack">
        <Card title={t('list')}>
          {experiments.isPending ? <Loading /> : null}
          <ErrorNotice error={experiments.error} onRetry={() => void experiments.refetch()} />
          {experiments.data === undefined ? null : (
            <DataTable caption={t('listCaption')} columns={columns} rows={experiments.data.experiments} rowKey={(row) => row.id} csvName="experiments" empty={t('empty')} />
          )}
        </Card>
        <PowerCalculator />
      </div>
    </Page>
  );
}
