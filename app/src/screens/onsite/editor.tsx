import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { api, ApiError } from '../../api/client';
import { useT } from '../../i18n/i18n';
import { canEdit, useSession } from '../../shell/session';
import { ConflictNotice } from '../../ui/conflict';
import { Button, Card, ErrorNotice, Field, Loading, Page } from '../../ui/ui';
import { onsiteMessages } from './messages';
import { blankCampaign, clientIssues, copyOf, inputOf, starterCampaign, SLOT_TYPES, WIDGET_TYPES, type Campaign, type CampaignInput, type ClientIssue, type Content, type WidgetType } from './model';
import { campaignsQuery, Gallery, startersQuery } from './onsite';
import { CampaignReportCard } from './report';
import { onsiteCampaignRoute, onsiteNewRoute } from './routes';
import { CapsEditor, ContentEditor, RulesEditor, ScheduleEditor, TriggersEditor, VariantsEditor } from './sections';
import { StatusBadge, useTypeName } from './shared';
import { PreviewCard } from './preview';
import './onsite.css';

/*
 * The campaign editor: forms for every part of a campaign (never JSON), checks as the marketer
 * types that mirror the API's, the API's own message on the field it names after a save, the
 * lifecycle buttons, a live preview on the storefront and the campaign's uplift report.
 */

/** Error text for a field path like `audience[0].value`: the client check first, else the API's message. */
export type FieldError = (path: string) => string | undefined;

/** Drops empty strings and empty optional objects, so an untouched optional field is absent, not "". */
function cleanContent(content: Content): Content {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(content)) {
    if (value === undefined || value === '') continue;
    if (typeof value === 'number' && !Number.isFinite(value)) continue;
    out[key] = value;
  }
  return out as Content;
}

export function cleanInput(input: CampaignInput): CampaignInput {
  const schedule = Object.fromEntries(Object.entries(input.schedule ?? {}).filter(([, value]) => value !== undefined && value !== ''));
  const { schedule: _schedule, slot, conversion, ...rest } = input;
  return {
    ...rest,
    ...(Object.keys(schedule).length === 0 ? {} : { schedule }),
    ...(SLOT_TYPES.has(input.type) && slot !== undefined && slot !== '' ? { slot } : {}),
    ...(conversion !== undefined && conversion.event.trim() !== '' ? { conversion } : {}),
    variants: input.variants.map((variant) => ({ ...variant, content: Object.fromEntries(Object.entries(variant.content).map(([locale, content]) => [locale, cleanContent(content)])) })),
  };
}

function Editor({ initial, campaign }: { initial: CampaignInput; campaign?: Campaign }) {
  const t = useT(onsiteMessages);
  const typeName = useTypeName();
  const navigate = useNavigate();
  const client = useQueryClient();
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const [input, setInput] = useState<CampaignInput>(initial);
  const [dirty, setDirty] = useState(campaign === undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [previewNonce, setPreviewNonce] = useState(0);
  const issues = useMemo(() => clientIssues(input), [input]);
  const change = (next: CampaignInput) => {
    setInput(next);
    setDirty(true);
    setNotice(undefined);
  };

  const segments = useQuery({ queryKey: ['segments', 'list'], queryFn: () => api.get<{ segments: { id: string; name: string }[] }>('/api/v1/segments') });
  const pools = useQuery({ queryKey: ['coupons', 'pools'], queryFn: () => api.get<{ pools: { id: string; name: string }[] }>('/api/v1/coupons/pools') });

  // The updatedAt this edit started from (not the query's, which a refetch may move to someone
  // else's save): a save made from an older one answers onsite.edit_conflict.
  const [base, setBase] = useState(campaign?.updatedAt);
  const [conflict, setConflict] = useState(false);
  const save = useMutation({
    mutationFn: async (options: { force?: boolean } = {}): Promise<Campaign> => {
      const body = cleanInput(input);
      if (campaign === undefined) return api.post<Campaign>('/api/v1/onsite/campaigns', { body });
      return api.put<Campaign>('/api/v1/onsite/campaigns/{id}', { params: { id: campaign.id }, query: options.force === true || base === undefined ? {} : { expectedUpdatedAt: base }, body });
    },
    onError: (failure) => setConflict(failure instanceof ApiError && failure.code === 'onsite.edit_conflict'),
    onSuccess: async (saved) => {
      setBase(saved.updatedAt);
      setConflict(false);
      setDirty(false);
      setNotice(t('saved'));
      client.setQueryData(['onsite', 'campaign', saved.id], saved);
      await client.invalidateQueries({ queryKey: ['onsite', 'campaigns'] });
      if (campaign === undefined) await navigate({ to: '/onsite/$id', params: { id: saved.id }, replace: true });
    },
  });
  const lifecycle = useMutation({
    mutationFn: async (action: 'activate' | 'pause' | 'resume' | 'end') => {
      if (campaign === undefined) throw new Error('save first');
      if (dirty) await save.mutateAsync({});
      const path = `/api/v1/onsite/campaigns/{id}/${action}` as const;
      return api.post<Campaign>(path, { params: { id: campaign.id } });
    },
    onSuccess: async (saved) => {
      setBase(saved.updatedAt);
      client.setQueryData(['onsite', 'campaign', saved.id], saved);
      await client.invalidateQueries({ queryKey: ['onsite', 'campaigns'] });
      setNotice(t(`status.${saved.status}`));
    },
  });
  const remove = useMutation({
    mutationFn: async () => {
      if (campaign !== undefined) await api.delete('/api/v1/onsite/campaigns/{id}', { params: { id: campaign.id } });
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['onsite', 'campaigns'] });
      await navigate({ to: '/onsite' });
    },
  });

  const reload = async () => {
    if (campaign === undefined) return;
    const theirs = await api.get<Campaign>('/api/v1/onsite/campaigns/{id}', { params: { id: campaign.id } });
    client.setQueryData(['onsite', 'campaign', theirs.id], theirs);
    setInput(inputOf(theirs));
    setBase(theirs.updatedAt);
    setDirty(false);
    setConflict(false);
    save.reset();
  };
  const apiError = save.error instanceof ApiError && !conflict ? save.error : undefined;
  const issueText = (issue: ClientIssue) => t(`issue.${issue.key}`, issue.detail === undefined ? undefined : { detail: issue.detail });
  const fieldError: FieldError = (path) => {
    const local = issues.find((issue) => issue.field === path);
    if (local !== undefined) return issueText(local);
    return apiError?.issues.find((issue) => issue.field === `body.${path}`)?.message;
  };
  const submit = () => {
    if (issues.length > 0) {
      setNotice(t('fixErrors'));
      return;
    }
    save.mutate({});
  };

  const status = campaign?.status;
  const actions = editable ? (
    <>
      <Button variant="primary" onClick={submit} busy={save.isPending} disabled={!dirty && campaign !== undefined}>
        {campaign === undefined ? t('saveDraft') : t('save')}
      </Button>
      {campaign !== undefined && (status === 'draft' || status === 'paused') ? (
        <Button onClick={() => lifecycle.mutate(status === 'paused' ? 'resume' : 'activate')} busy={lifecycle.isPending} disabled={issues.length > 0}>
          {status === 'paused' ? t('resume') : t('activate')}
        </Button>
      ) : null}
      {campaign !== undefined && (status === 'live' || status === 'scheduled') ? (
        <Button onClick={() => lifecycle.mutate('pause')} busy={lifecycle.isPending}>
          {t('pause')}
        </Button>
      ) : null}
      {campaign !== undefined && status !== 'ended' && status !== 'draft' ? (
        <Button variant="ghost" onClick={() => lifecycle.mutate('end')} busy={lifecycle.isPending}>
          {t('end')}
        </Button>
      ) : null}
      {campaign !== undefined && status !== 'live' && status !== 'scheduled' ? (
        <Button variant="danger" onClick={() => window.confirm(t('confirmDelete')) && remove.mutate()} busy={remove.isPending}>
          {t('delete')}
        </Button>
      ) : null}
    </>
  ) : undefined;

  const set = <K extends keyof CampaignInput>(key: K, value: CampaignInput[K]) => change({ ...input, [key]: value });

  return (
    <Page
      title={campaign === undefined ? t('newTitle') : input.name || t('editTitle')}
      description={
        <>
          <Link to="/onsite">{t('back')}</Link> · {typeName(input.type)} {status === undefined ? null : <StatusBadge status={status} />}{' '}
          {dirty && campaign !== undefined ? <em>{t('unsaved')}</em> : null}
        </>
      }
      actions={actions}
    >
      {!editable ? <p className="notice info">{t('readOnly')}</p> : null}
      {notice === undefined ? null : (
        <p className={`notice ${notice === t('fixErrors') ? 'bad' : 'good'}`} role="status">
          {notice}
        </p>
      )}
      {conflict ? <ConflictNotice title={t('conflict')} busy={save.isPending} onOverwrite={() => save.mutate({ force: true })} onReload={() => void reload()} /> : null}
      <ErrorNotice error={(conflict ? null : save.error) ?? lifecycle.error ?? remove.error} />
      {apiError !== undefined && apiError.issues.length > 0 ? (
        <ul className="onsite-issues">
          {apiError.issues.map((issue) => (
            <li key={issue.field}>
              <code>{issue.field.replace(/^body\./, '')}</code>: {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="onsite-columns">
        <form
          className="onsite-editor"
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
        >
          <fieldset disabled={!editable} className="onsite-fieldset">
            <div className="onsite-stack">
              <Card title={t('basics')}>
                <div className="form onsite-grid2">
                  <Field label={t('name')} error={fieldError('name')}>
                    {(props) => <input {...props} value={input.name} maxLength={200} required onChange={(event) => set('name', event.target.value)} />}
                  </Field>
                  <Field label={t('type')} error={fieldError('type')} hint={t(`typeHint.${input.type}`)}>
                    {(props) => (
                      <select {...props} value={input.type} onChange={(event) => set('type', event.target.value as WidgetType)} disabled={campaign !== undefined}>
                        {WIDGET_TYPES.map((type) => (
                          <option key={type} value={type}>
                            {typeName(type)}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                  <Field label={t('priority')} hint={t('priorityHint')} error={fieldError('priority')}>
                    {(props) => (
                      <input {...props} type="number" min={0} max={1000} step={1} value={input.priority ?? 0} onChange={(event) => set('priority', Math.round(Number(event.target.value)))} />
                    )}
                  </Field>
                  {SLOT_TYPES.has(input.type) ? (
                    <Field label={t('slot')} hint={t('slotHint')} error={fieldError('slot')}>
                      {(props) => <input {...props} value={input.slot ?? ''} maxLength={300} onChange={(event) => set('slot', event.target.value)} />}
                    </Field>
                  ) : null}
                </div>
              </Card>
              <ContentEditor input={input} onChange={change} fieldError={fieldError} pools={pools.data?.pools ?? []} />
              <RulesEditor input={input} onChange={change} fieldError={fieldError} segments={segments.data?.segments ?? []} />
              <TriggersEditor input={input} onChange={change} fieldError={fieldError} />
              <CapsEditor input={input} onChange={change} fieldError={fieldError} />
              <VariantsEditor input={input} onChange={change} fieldError={fieldError} />
              <ScheduleEditor input={input} onChange={change} fieldError={fieldError} />
            </div>
          </fieldset>
        </form>
        <div className="onsite-stack onsite-side">
          <PreviewCard
            campaign={campaign}
            variants={input.variants.map((variant) => variant.key)}
            dirty={dirty}
            editable={editable}
            nonce={previewNonce}
            onRefresh={async () => {
              if (dirty && editable && issues.length === 0) await save.mutateAsync({});
              setPreviewNonce((value) => value + 1);
            }}
          />
        </div>
      </div>
      {campaign === undefined ? null : <CampaignReportCard campaignId={campaign.id} />}
    </Page>
  );
}

/** `/onsite/$id`: one saved campaign. */
export function CampaignScreen() {
  const { id } = onsiteCampaignRoute.useParams();
  const campaign = useQuery({ queryKey: ['onsite', 'campaign', id], queryFn: () => api.get<Campaign>('/api/v1/onsite/campaigns/{id}', { params: { id } }) });
  if (campaign.isPending) return <Loading />;
  if (campaign.data === undefined) return <ErrorNotice error={campaign.error} onRetry={() => void campaign.refetch()} />;
  // Keyed by id and save time: a save or a state change starts the form from what the API kept.
  return <Editor key={`${campaign.data.id}`} initial={inputOf(campaign.data)} campaign={campaign.data} />;
}

/** A starter not yet in the workspace is installed (a draft, with its coupon pool) and opened. */
function FromStarter({ templateKey }: { templateKey: string }) {
  const t = useT(onsiteMessages);
  const navigate = useNavigate();
  const starters = useQuery(startersQuery);
  const campaigns = useQuery(campaignsQuery);
  const starter = starters.data?.starters.find((entry) => entry.key === templateKey);
  const existing = starter === undefined || campaigns.data === undefined ? undefined : starterCampaign(starter, campaigns.data.campaigns);
  const install = useMutation({
    mutationFn: () => api.post<{ installed: { id: string }[] }>('/api/v1/onsite/starters/install', { body: { keys: [templateKey] } }),
    onSuccess: (result) => {
      const id = result.installed[0]?.id;
      if (id !== undefined) void navigate({ to: '/onsite/$id', params: { id }, replace: true });
    },
  });
  const ready = starter !== undefined && campaigns.data !== undefined;
  const { mutate, isIdle } = install;
  useEffect(() => {
    if (ready && existing === undefined && isIdle) mutate();
  }, [ready, existing, isIdle, mutate]);
  const error = starters.error ?? campaigns.error ?? install.error;
  if (error !== null) return <ErrorNotice error={error} />;
  if (starters.data !== undefined && starter === undefined) return <Gallery />;
  if (existing === undefined || starter === undefined) return <Loading label={t('loadingStarter')} />;
  return <Editor initial={copyOf(existing, `${starter.name} (2)`)} />;
}

/** `/onsite/new`: the gallery, then the editor prefilled from the chosen template. */
export function NewCampaignScreen() {
  const t = useT(onsiteMessages);
  const typeName = useTypeName();
  const { template, type } = onsiteNewRoute.useSearch();
  if (template !== undefined) return <FromStarter key={template} templateKey={template} />;
  const blank = WIDGET_TYPES.find((entry) => entry === type);
  if (blank !== undefined) return <Editor key={blank} initial={blankCampaign(blank, typeName(blank))} />;
  return (
    <Page title={t('newTitle')} description={<Link to="/onsite">{t('back')}</Link>}>
      <Gallery />
    </Page>
  );
}
