import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { api, ApiError } from '../../api/client';
import { useT } from '../../i18n/i18n';
import { canEdit, useSession } from '../../shell/session';
import { Button, Card, ErrorNotice, Field, Loading, Page } from '../../ui/ui';
import { ConflictNotice } from '../../ui/conflict';
import { experimentMessages } from './messages';
import { METHODS, type Experiment, type Method } from './model';
import { experimentEditRoute } from './routes';
import './experiments.css';

/*
 * The experiment definition form: key, name, traffic, the variants with their weights (in percent,
 * checked to add up to 100 as typed) and the goal metric. The API validates the rest and answers
 * per field; those messages stand beside the inputs they name. Editing keeps every part of the
 * definition the form does not show (targeting, layer, other metrics, analysis settings) and
 * sends the updatedAt it read, so a save over someone else's answers experiment.edit_conflict.
 */

type Definition = Experiment['definition'] & Record<string, unknown>;
type GoalKind = 'conversion' | 'count' | 'revenue';
const GOAL_KINDS: readonly GoalKind[] = ['conversion', 'count', 'revenue'];

interface VariantDraft {
  key: string;
  name: string;
  weight: string;
}

interface Draft {
  key: string;
  name: string;
  description: string;
  traffic: string;
  method: Method;
  variants: VariantDraft[];
  metricId: string;
  metricName: string;
  metricKind: GoalKind;
  metricEvent: string;
  /** The goal is a metric this form does not describe (a ratio): it is kept as it is. */
  goalLocked: boolean;
}

const percent = (share: number) => String(Math.round(share * 10000) / 100);

const blank: Draft = {
  key: '',
  name: '',
  description: '',
  traffic: '100',
  method: 'sequential',
  variants: [
    { key: 'control', name: '', weight: '50' },
    { key: 'treatment', name: '', weight: '50' },
  ],
  metricId: 'purchase',
  metricName: '',
  metricKind: 'conversion',
  metricEvent: 'Order Completed',
  goalLocked: false,
};

function draftOf(experiment: Experiment): Draft {
  const definition = experiment.definition;
  const goal = definition.metrics.find((metric) => metric.id === definition.primaryMetric) ?? definition.metrics[0];
  const kind = GOAL_KINDS.find((entry) => entry === goal?.kind) ?? 'conversion';
  return {
    key: experiment.key,
    name: experiment.name,
    description: definition.description ?? '',
    traffic: percent(definition.traffic ?? 1),
    method: definition.analysis?.method ?? 'sequential',
    variants: definition.variants.map((variant) => ({ key: variant.key, name: variant.name ?? '', weight: percent(variant.weight) })),
    metricId: goal?.id ?? '',
    metricName: goal?.name ?? '',
    metricKind: kind,
    metricEvent: goal?.event ?? '',
    goalLocked: goal !== undefined && !GOAL_KINDS.some((entry) => entry === goal.kind),
  };
}

/** The body of POST /experiments or PUT /experiments/:id; `base` keeps what the form does not edit. */
function bodyOf(draft: Draft, base: Definition | undefined): Record<string, unknown> {
  const { key: _key, name: _name, ...kept }: Record<string, unknown> = base ?? {};
  const baseGoal = base?.metrics.find((metric) => metric.id === base.primaryMetric) ?? base?.metrics[0];
  const { valueProperty, ...baseRest }: Record<string, unknown> = baseGoal ?? {};
  const goal = {
    ...baseRest,
    // The property summed belongs to a revenue metric only.
    ...(draft.metricKind === 'revenue' && typeof valueProperty === 'string' ? { valueProperty } : {}),
    id: draft.metricId.trim(),
    kind: draft.metricKind,
    event: draft.metricEvent.trim(),
    ...(draft.metricName.trim() === '' ? {} : { name: draft.metricName.trim() }),
  };
  if (draft.metricName.trim() === '') delete (goal as { name?: string }).name;
  const others = (base?.metrics ?? []).filter((metric) => metric !== baseGoal);
  const metrics = draft.goalLocked ? { metrics: base?.metrics } : { metrics: [goal, ...others], primaryMetric: goal.id };
  return {
    ...kept,
    key: draft.key.trim(),
    name: draft.name.trim(),
    ...(draft.description.trim() === '' ? { description: undefined } : { description: draft.description.trim() }),
    traffic: Number(draft.traffic) / 100,
    variants: draft.variants.map((variant) => ({ key: variant.key.trim(), ...(variant.name.trim() === '' ? {} : { name: variant.name.trim() }), weight: Number(variant.weight) / 100 })),
    ...metrics,
    analysis: { ...(base?.analysis ?? {}), method: draft.method },
  };
}

export function NewExperimentScreen() {
  return <ExperimentForm />;
}

export function EditExperimentScreen() {
  const t = useT(experimentMessages);
  const { id } = experimentEditRoute.useParams();
  const experiment = useQuery({ queryKey: ['experiments', id], queryFn: () => api.get<Experiment>('/api/v1/experiments/{id}', { params: { id } }) });
  if (experiment.isPending) return <Loading label={t('title')} />;
  if (experiment.data === undefined) return <ErrorNotice error={experiment.error} onRetry={() => void experiment.refetch()} />;
  return <ExperimentForm experiment={experiment.data} />;
}

function ExperimentForm({ experiment }: { experiment?: Experiment }) {
  const t = useT(experimentMessages);
  const navigate = useNavigate();
  const client = useQueryClient();
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const [draft, setDraft] = useState<Draft>(experiment === undefined ? blank : draftOf(experiment));
  // The copy this edit started from: a save over a newer one answers experiment.edit_conflict.
  const [base, setBase] = useState(experiment);
  const [conflict, setConflict] = useState(false);
  const set = (change: Partial<Draft>) => setDraft((current) => ({ ...current, ...change }));
  const setVariant = (index: number, change: Partial<VariantDraft>) =>
    setDraft((current) => ({ ...current, variants: current.variants.map((variant, at) => (at === index ? { ...variant, ...change } : variant)) }));

  const save = useMutation({
    mutationFn: ({ force }: { force: boolean }) => {
      const body = bodyOf(draft, base?.definition as Definition | undefined);
      if (base === undefined) return api.post<Experiment>('/api/v1/experiments', { body });
      return api.put<Experiment>('/api/v1/experiments/{id}', { params: { id: base.id }, body, ...(force ? {} : { query: { expectedUpdatedAt: base.updatedAt } }) });
    },
    onError: (failure) => setConflict(failure instanceof ApiError && failure.code === 'experiment.edit_conflict'),
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: ['experiments'] });
      await navigate({ to: '/experiments/$id', params: { id: saved.id } });
    },
  });
  const reload = async () => {
    if (base === undefined) return;
    const theirs = await api.get<Experiment>('/api/v1/experiments/{id}', { params: { id: base.id } });
    setDraft(draftOf(theirs));
    setBase(theirs);
    setConflict(false);
    save.reset();
    client.setQueryData(['experiments', base.id], theirs);
  };

  const apiError = save.error instanceof ApiError && !conflict ? save.error : undefined;
  // The request schema names a field `body.variants.0.weight`, the definition's own checks `variants`.
  const fieldOf = (entry: { field: string }) => entry.field.replace(/^body\./, '');
  const issue = (...fields: string[]) => {
    for (const field of fields) {
      const found = apiError?.issues.find((entry) => fieldOf(entry) === field);
      if (found !== undefined) return found.message;
    }
    return undefined;
  };
  // Checked as typed: weights are percentages that add up to 100, traffic a percentage.
  const weights = draft.variants.map((variant) => Number(variant.weight));
  const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
  const weightsLocal = weights.some((weight) => !Number.isFinite(weight) || weight < 0 || weight > 100)
    ? t('editor.weightRange')
    : Math.abs(weightSum - 100) > 1e-4
      ? t('editor.weightSum', { sum: String(Math.round(weightSum * 100) / 100) })
      : undefined;
  const traffic = Number(draft.traffic);
  const trafficLocal = draft.traffic.trim() === '' || !Number.isFinite(traffic) || traffic < 0 || traffic > 100 ? t('editor.trafficRange') : undefined;
  const valid = weightsLocal === undefined && trafficLocal === undefined;
  const shownFields = new Set(['key', 'name', 'description', 'traffic', 'variants', 'metrics', 'metrics[0]', 'metrics.0.id', 'metrics.0.event', 'metrics.0.name', 'primaryMetric']);
  draft.variants.forEach((_, index) => ['key', 'name', 'weight'].forEach((part) => shownFields.add(`variants.${index}.${part}`)));
  const otherIssues = apiError?.issues.filter((entry) => !shownFields.has(fieldOf(entry))) ?? [];
  const title = experiment === undefined ? t('editor.new') : t('editor.edit', { name: experiment.name });

  return (
    <Page
      title={title}
      description={
        experiment === undefined ? (
          <Link to="/experiments">{t('back')}</Link>
        ) : (
          <Link to="/experiments/$id" params={{ id: experiment.id }}>
            {t('editor.backTo', { name: experiment.name })}
          </Link>
        )
      }
    >
      {!editable ? <p className="notice info">{t('readOnly')}</p> : null}
      <form
        className="form experiment-editor"
        aria-label={title}
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (valid && editable) save.mutate({ force: false });
        }}
      >
        <Card title={t('editor.about')}>
          <Field label={t('editor.key')} hint={t('editor.keyHint')} error={issue('key')}>
            {(props) => <input {...props} dir="ltr" required maxLength={100} readOnly={experiment !== undefined} value={draft.key} onChange={(event) => set({ key: event.target.value })} />}
          </Field>
          <Field label={t('name')} error={issue('name')}>
            {(props) => <input {...props} required maxLength={200} value={draft.name} onChange={(event) => set({ name: event.target.value })} />}
          </Field>
          <Field label={t('editor.description')} error={issue('description')}>
            {(props) => <textarea {...props} rows={2} maxLength={5000} value={draft.description} onChange={(event) => set({ description: event.target.value })} />}
          </Field>
          <Field label={t('editor.traffic')} hint={t('editor.trafficHint')} error={trafficLocal ?? issue('traffic')}>
            {(props) => <input {...props} inputMode="decimal" dir="ltr" value={draft.traffic} onChange={(event) => set({ traffic: event.target.value })} />}
          </Field>
          <Field label={t('method')}>
            {(props) => (
              <select {...props} value={draft.method} onChange={(event) => set({ method: METHODS.find((method) => method === event.target.value) ?? 'sequential' })}>
                {METHODS.map((method) => (
                  <option key={method} value={method}>
                    {t(`method.${method}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </Card>

        <Card title={t('variants')}>
          <p className="muted small">{t('editor.variantsHint')}</p>
          <fieldset className="experiment-variants" aria-describedby={(weightsLocal ?? issue('variants')) ? 'variant-weights-error' : undefined}>
            <legend className="visually-hidden">{t('variants')}</legend>
            {draft.variants.map((variant, index) => {
              const n = String(index + 1);
              return (
                <div className="experiment-variant" key={index}>
                  <Field label={t('editor.variantKey', { n })} error={issue(`variants.${index}.key`)}>
                    {(props) => <input {...props} dir="ltr" required maxLength={100} value={variant.key} onChange={(event) => setVariant(index, { key: event.target.value })} />}
                  </Field>
                  <Field label={t('editor.variantName', { n })} error={issue(`variants.${index}.name`)}>
                    {(props) => <input {...props} maxLength={200} value={variant.name} onChange={(event) => setVariant(index, { name: event.target.value })} />}
                  </Field>
                  <Field label={t('editor.variantWeight', { n })} error={issue(`variants.${index}.weight`)}>
                    {(props) => <input {...props} inputMode="decimal" dir="ltr" value={variant.weight} onChange={(event) => setVariant(index, { weight: event.target.value })} />}
                  </Field>
                  {draft.variants.length > 2 ? <Button onClick={() => set({ variants: draft.variants.filter((_, at) => at !== index) })}>{t('editor.removeVariant', { n })}</Button> : null}
                </div>
              );
            })}
          </fieldset>
          {(weightsLocal ?? issue('variants')) ? (
            <p id="variant-weights-error" className="error-text" role="alert">
              {weightsLocal ?? issue('variants')}
            </p>
          ) : null}
          {draft.variants.length < 20 ? (
            <Button onClick={() => set({ variants: [...draft.variants, { key: `variant-${draft.variants.length + 1}`, name: '', weight: '0' }] })}>{t('editor.addVariant')}</Button>
          ) : null}
        </Card>

        <Card title={t('editor.goal')}>
          {draft.goalLocked ? <p className="notice info">{t('editor.goalLocked')}</p> : null}
          {issue('metrics[0]', 'metrics') === undefined ? null : (
            <p className="error-text" role="alert">
              {issue('metrics[0]', 'metrics')}
            </p>
          )}
          <Field label={t('editor.metricId')} error={issue('metrics.0.id', 'primaryMetric')}>
            {(props) => <input {...props} dir="ltr" required maxLength={100} readOnly={draft.goalLocked} value={draft.metricId} onChange={(event) => set({ metricId: event.target.value })} />}
          </Field>
          <Field label={t('editor.metricName')} error={issue('metrics.0.name')}>
            {(props) => <input {...props} maxLength={200} readOnly={draft.goalLocked} value={draft.metricName} onChange={(event) => set({ metricName: event.target.value })} />}
          </Field>
          <Field label={t('editor.metricKind')}>
            {(props) => (
              <select {...props} disabled={draft.goalLocked} value={draft.metricKind} onChange={(event) => set({ metricKind: GOAL_KINDS.find((kind) => kind === event.target.value) ?? 'conversion' })}>
                {GOAL_KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {t(`editor.kind.${kind}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('editor.metricEvent')} hint={t('editor.metricEventHint')} error={issue('metrics.0.event')}>
            {(props) => <input {...props} dir="ltr" required readOnly={draft.goalLocked} value={draft.metricEvent} onChange={(event) => set({ metricEvent: event.target.value })} />}
          </Field>
        </Card>

        {otherIssues.length === 0 ? null : (
          <ul className="notice bad" role="alert">
            {otherIssues.map((entry) => (
              <li key={`${entry.field}:${entry.message}`}>
                <code className="code">{entry.field}</code> {entry.message}
              </li>
            ))}
          </ul>
        )}
        {conflict ? <ConflictNotice title={t('editor.conflict')} busy={save.isPending} onOverwrite={() => save.mutate({ force: true })} onReload={() => void reload()} /> : null}
        {save.error !== null && !conflict && (apiError === undefined || apiError.issues.length === 0) ? <ErrorNotice error={save.error} /> : null}
        {editable ? (
          <div className="toolbar">
            <Button type="submit" variant="primary" busy={save.isPending} disabled={!valid}>
              {experiment === undefined ? t('editor.create') : t('editor.save')}
            </Button>
          </div>
        ) : null}
      </form>
    </Page>
  );
}
