import { useEffect, useMemo, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { api, ApiError, downloadText, type FieldIssue } from '../../api/client';
import { useFormat, useT } from '../../i18n/i18n';
import { useLive } from '../../live/use-live';
import { canEdit, useSession } from '../../shell/session';
import { Badge, Button, Card, DataTable, Empty, ErrorNotice, Field, Loading, Page, type Column } from '../../ui/ui';
import { ConditionBuilder } from './builder';
import { segmentsMessages } from './messages';
import { EMPTY_CONDITION, issuesByRow, presetCondition, type Node } from './model';
import { newSegmentRoute, segmentRoute } from './routes';
import './segments.css';

export interface Segment {
  id: string;
  name: string;
  description: string;
  kind: 'dynamic' | 'static';
  condition: Node | null;
  version: number;
  status: 'backfilling' | 'live' | 'failed';
  backfill: { percent: number; done: number; total: number; error: string | null };
  members: number;
  destination: { url: string; delivered: number; pending: number; secret?: string } | null;
  updatedAt: string;
}
interface Estimate {
  size: number;
  exact: boolean;
  scanned: number;
  total: number;
  sample: string[];
}
interface LiveCounts {
  segments: { id: string; members: number; status: Segment['status']; percent: number }[];
}
interface ProfileLite {
  id: string;
  traits: Record<string, unknown>;
  identities: { type: string; value: string }[];
}

const PRESETS = ['browse-abandon', 'visited-2', 'visited-7', 'visited-14', 'lapsed'] as const;
type PresetKey = `preset_${'browse_abandon' | 'visited_2' | 'visited_7' | 'visited_14' | 'lapsed'}`;
const presetKey = (preset: string) => `preset_${preset.replace(/-/g, '_')}` as PresetKey;

/** A person's name, else their email, else the id: what a sample row shows. */
export function personLabel(profile: ProfileLite | undefined, fallback: string): string {
  if (profile === undefined) return fallback;
  const traits = profile.traits;
  const name = [traits.firstName ?? traits.first_name, traits.lastName ?? traits.last_name].filter((part) => typeof part === 'string' && part !== '').join(' ');
  const email = typeof traits.email === 'string' ? traits.email : profile.identities.find((identity) => identity.type === 'email')?.value;
  return name !== '' ? `${name}${email === undefined ? '' : ` · ${email}`}` : (email ?? fallback);
}

function StatusBadge({ status, percent }: { status: Segment['status']; percent: number }) {
  const t = useT(segmentsMessages);
  if (status === 'live') return <Badge tone="good">{t('st_live')}</Badge>;
  if (status === 'failed') return <Badge tone="bad">{t('st_failed')}</Badge>;
  return <Badge tone="info">{t('st_backfilling', { percent })}</Badge>;
}

export function SegmentsScreen() {
  const t = useT(segmentsMessages);
  const format = useFormat();
  const navigate = useNavigate();
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api.get<{ segments: Segment[] }>('/api/v1/segments') });
  const live = useLive<LiveCounts>('/api/v1/segments/live');
  const liveById = new Map((live.data?.segments ?? []).map((entry) => [entry.id, entry]));
  const retarget = useMutation({
    mutationFn: (days: number) => api.post<Segment>('/api/v1/segments/retargeting', { body: { days } }),
    onSuccess: (segment) => void navigate({ to: '/segments/$id', params: { id: segment.id } }),
  });
  const columns: Column<Segment>[] = [
    {
      key: 'name',
      header: t('name'),
      cell: (row) => (
        <Link to="/segments/$id" params={{ id: row.id }}>
          {row.name}
        </Link>
      ),
      csv: (row) => row.name,
    },
    { key: 'kind', header: t('kind'), cell: (row) => t(row.kind === 'static' ? 'kind_static' : 'kind_dynamic') },
    {
      key: 'members',
      header: t('members'),
      numeric: true,
      cell: (row) => format.number(liveById.get(row.id)?.members ?? row.members),
      csv: (row) => liveById.get(row.id)?.members ?? row.members,
    },
    {
      key: 'status',
      header: t('status'),
      cell: (row) => <StatusBadge status={liveById.get(row.id)?.status ?? row.status} percent={liveById.get(row.id)?.percent ?? row.backfill.percent} />,
      csv: (row) => liveById.get(row.id)?.status ?? row.status,
    },
    { key: 'updated', header: t('updated'), cell: (row) => format.relative(row.updatedAt), csv: (row) => row.updatedAt },
  ];
  return (
    <Page
      title={t('title')}
      description={t('description')}
      actions={
        editable ? (
          <Link className="button primary" to="/segments/new">
            {t('newSegment')}
          </Link>
        ) : undefined
      }
    >
      {editable ? (
        <Card title={t('startFrom')}>
          <p className="muted small">{t('audiencesHint')}</p>
          <div className="seg-presets">
            {[2, 7, 14].map((days) => (
              <Button key={days} busy={retarget.isPending && retarget.variables === days} onClick={() => retarget.mutate(days)}>
                {t(presetKey(`visited-${days}`))}
              </Button>
            ))}
            <Link className="button ghost" to="/segments/new" search={{ preset: 'browse-abandon' }}>
              {t('preset_browse_abandon')}
            </Link>
            <Link className="button ghost" to="/segments/new" search={{ preset: 'lapsed' }}>
              {t('preset_lapsed')}
            </Link>
          </div>
          <ErrorNotice error={retarget.error} />
        </Card>
      ) : null}
      <Card
        title={t('list')}
        actions={
          <span className="muted small" aria-live="off">
            {live.connected ? `● ${t('liveCounts')}` : ''}
          </span>
        }
      >
        {segments.isPending ? <Loading /> : null}
        <ErrorNotice error={segments.error} onRetry={() => void segments.refetch()} />
        {segments.data === undefined ? null : <DataTable caption={t('list')} columns={columns} rows={segments.data.segments} rowKey={(row) => row.id} csvName="segments" empty={t('noSegments')} />}
      </Card>
    </Page>
  );
}

/** Debounced estimate of the condition being edited, with the API's issues when it is not valid yet. */
function useEstimate(condition: Node): { estimate: Estimate | undefined; issues: FieldIssue[]; pending: boolean; error: unknown } {
  const [state, setState] = useState<{ estimate: Estimate | undefined; issues: FieldIssue[]; pending: boolean; error: unknown }>({ estimate: undefined, issues: [], pending: true, error: undefined });
  const text = JSON.stringify(condition);
  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, pending: true }));
    const timer = setTimeout(() => {
      api
        .post<Estimate>('/api/v1/segments/estimate', { body: { condition: JSON.parse(text) as unknown, sampleSize: 5 }, signal: controller.signal })
        .then((estimate) => setState({ estimate, issues: [], pending: false, error: undefined }))
        .catch((error: unknown) => {
          if (controller.signal.aborted) return;
          if (error instanceof ApiError && error.status === 400) setState({ estimate: undefined, issues: error.issues, pending: false, error: undefined });
          else setState((previous) => ({ ...previous, pending: false, error }));
        });
    }, 350);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text]);
  return state;
}

function EstimatePanel({ condition, onIssues }: { condition: Node; onIssues(issues: FieldIssue[]): void }) {
  const t = useT(segmentsMessages);
  const format = useFormat();
  const { estimate, issues, pending, error } = useEstimate(condition);
  const reported = useRef<FieldIssue[]>([]);
  useEffect(() => {
    if (reported.current !== issues) {
      reported.current = issues;
      onIssues(issues);
    }
  }, [issues, onIssues]);
  const sample = estimate?.sample ?? [];
  const profiles = useQuery({
    queryKey: ['segment-sample', sample],
    enabled: sample.length > 0,
    queryFn: () => Promise.all(sample.map((id) => api.get<ProfileLite>('/api/v1/profiles/{id}', { params: { id } }).catch(() => undefined))),
  });
  return (
    <Card title={t('estimate')} className="seg-estimate">
      <div aria-live="polite" aria-busy={pending}>
        {issues.length > 0 ? (
          <p className="notice warn">{t('estimateInvalid')}</p>
        ) : estimate === undefined ? (
          <Loading label={t('estimating')} />
        ) : (
          <>
            <p className="seg-count" data-testid="estimate-count">
              {t('estimateCount', { count: format.number(estimate.size) })}
            </p>
            <p className="muted small">
              {t('estimateOf', { total: format.number(estimate.total) })} · {estimate.exact ? t('estimateExact') : t('estimateApprox', { scanned: format.number(estimate.scanned) })}
              {pending ? ` · ${t('estimating')}` : ''}
            </p>
          </>
        )}
      </div>
      <ErrorNotice error={error} />
      {estimate === undefined ? null : (
        <>
          <h3 className="seg-subtitle">{t('sample')}</h3>
          {sample.length === 0 ? (
            <Empty>{t('noSample')}</Empty>
          ) : (
            <ul className="seg-sample">
              {sample.map((id, index) => (
                <li key={id}>
                  <Link to="/profiles/$id" params={{ id }}>
                    {personLabel(profiles.data?.[index], id)}
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Card>
  );
}

interface Draft {
  name: string;
  description: string;
  condition: Node;
}

/** The editor of a new or an existing segment: name, builder, live estimate, save with conflict detection. */
function SegmentEditor({ segment, preset }: { segment?: Segment; preset?: string }) {
  const t = useT(segmentsMessages);
  const format = useFormat();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const initial = (): Draft => ({
    name: segment?.name ?? (preset === undefined ? '' : t(presetKey(preset))),
    description: segment?.description ?? '',
    condition: segment?.condition ?? (preset === undefined ? undefined : presetCondition(preset)) ?? EMPTY_CONDITION,
  });
  const [draft, setDraft] = useState<Draft>(initial);
  const [baseUpdatedAt, setBaseUpdatedAt] = useState(segment?.updatedAt);
  const [estimateIssues, setEstimateIssues] = useState<FieldIssue[]>([]);
  const [conflict, setConflict] = useState<string | undefined>(undefined);
  const [savedAt, setSavedAt] = useState<number | undefined>(undefined);
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api.get<{ segments: Segment[] }>('/api/v1/segments') });
  const save = useMutation({
    mutationFn: async (options: { force?: string }) => {
      const body = { name: draft.name, description: draft.description, condition: draft.condition };
      if (segment === undefined) return api.post<Segment>('/api/v1/segments', { body });
      const expected = options.force ?? baseUpdatedAt;
      return api.patch<Segment>('/api/v1/segments/{id}', { params: { id: segment.id }, body: { ...body, ...(expected === undefined ? {} : { expectedUpdatedAt: expected }) } });
    },
    onSuccess: (saved) => {
      setConflict(undefined);
      setBaseUpdatedAt(saved.updatedAt);
      setSavedAt(Date.now());
      queryClient.setQueryData(['segment', saved.id], saved);
      void queryClient.invalidateQueries({ queryKey: ['segments'] });
      if (segment === undefined) void navigate({ to: '/segments/$id', params: { id: saved.id } });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'segment.edit_conflict') setConflict(error.fieldMessage('expectedUpdatedAt') ?? new Date().toISOString());
    },
  });
  const saveError = save.error instanceof ApiError ? save.error : undefined;
  const issues = useMemo(() => issuesByRow(draft.condition, [...estimateIssues, ...(saveError?.issues ?? [])]), [draft.condition, estimateIssues, saveError]);
  const nameError = saveError?.fieldMessage('name') ?? (draft.name.length > 200 ? '1-200' : undefined);
  const edit = (patch: Partial<Draft>) => {
    setSavedAt(undefined);
    setDraft((previous) => ({ ...previous, ...patch }));
  };
  const loadTheirs = async () => {
    if (segment === undefined) return;
    const theirs = await api.get<Segment>('/api/v1/segments/{id}', { params: { id: segment.id } });
    setDraft({ name: theirs.name, description: theirs.description, condition: theirs.condition ?? EMPTY_CONDITION });
    setBaseUpdatedAt(theirs.updatedAt);
    setConflict(undefined);
    save.reset();
    queryClient.setQueryData(['segment', theirs.id], theirs);
  };
  return (
    <form
      className="seg-editor"
      onSubmit={(event) => {
        event.preventDefault();
        if (editable) save.mutate({});
      }}
    >
      {editable ? null : <p className="notice info">{t('readOnly')}</p>}
      <div className="seg-editor-grid">
        <div className="seg-editor-main">
          <Card>
            <div className="seg-meta">
              <Field label={t('name')} error={nameError}>
                {(props) => <input {...props} value={draft.name} maxLength={200} required readOnly={!editable} onChange={(event) => edit({ name: event.target.value })} />}
              </Field>
              <Field label={t('descriptionField')} error={saveError?.fieldMessage('description')}>
                {(props) => <input {...props} value={draft.description} maxLength={2000} readOnly={!editable} onChange={(event) => edit({ description: event.target.value })} />}
              </Field>
            </div>
          </Card>
          <ConditionBuilder
            value={draft.condition}
            onChange={(condition) => edit({ condition })}
            issues={issues}
            segments={(segments.data?.segments ?? []).filter((entry) => entry.id !== segment?.id)}
            readOnly={!editable}
          />
          {conflict === undefined ? null : (
            <div className="notice warn seg-conflict" role="alert">
              <strong>{t('conflictTitle')}</strong>
              <p>{t('conflictBody', { at: format.dateTime(conflict) })}</p>
              <div className="seg-actions">
                <Button variant="primary" onClick={() => save.mutate({ force: conflict })}>
                  {t('overwrite')}
                </Button>
                <Button onClick={() => void loadTheirs()}>{t('loadTheirs')}</Button>
              </div>
            </div>
          )}
          {save.error !== null && conflict === undefined ? <ErrorNotice error={save.error} /> : null}
          {editable ? (
            <div className="seg-actions">
              <Button type="submit" variant="primary" busy={save.isPending}>
                {save.isPending ? t('saving') : t('save')}
              </Button>
              {savedAt === undefined ? null : (
                <span className="notice good" role="status">
                  {t('saved')}
                </span>
              )}
            </div>
          ) : null}
        </div>
        <aside className="seg-editor-side">
          <EstimatePanel condition={draft.condition} onIssues={setEstimateIssues} />
        </aside>
      </div>
    </form>
  );
}

export function NewSegmentScreen() {
  const t = useT(segmentsMessages);
  const { preset } = newSegmentRoute.useSearch();
  return (
    <Page title={t('newSegment')} description={<Link to="/segments">← {t('back')}</Link>}>
      <PresetBar />
      <SegmentEditor key={preset ?? 'blank'} {...(preset === undefined ? {} : { preset })} />
    </Page>
  );
}

function PresetBar() {
  const t = useT(segmentsMessages);
  return (
    <nav className="seg-presets" aria-label={t('startFrom')}>
      <span className="muted small">{t('startFrom')}:</span>
      {PRESETS.map((preset) => (
        <Link key={preset} className="button ghost" to="/segments/new" search={{ preset }}>
          {t(presetKey(preset))}
        </Link>
      ))}
    </nav>
  );
}

const TABS = ['definition', 'size', 'members', 'explain', 'destinations'] as const;

export function SegmentScreen() {
  const t = useT(segmentsMessages);
  const { id } = segmentRoute.useParams();
  const { tab = 'definition' } = segmentRoute.useSearch();
  const navigate = useNavigate();
  const segment = useQuery({ queryKey: ['segment', id], queryFn: () => api.get<Segment>('/api/v1/segments/{id}', { params: { id } }), staleTime: Infinity });
  const live = useLive<LiveCounts>('/api/v1/segments/live');
  const counts = live.data?.segments.find((entry) => entry.id === id);
  const format = useFormat();
  const { me } = useSession();
  const remove = useMutation({
    mutationFn: () => api.delete('/api/v1/segments/{id}', { params: { id } }),
    onSuccess: () => void navigate({ to: '/segments' }),
  });
  if (segment.isPending) return <Loading />;
  if (segment.data === undefined) return <ErrorNotice error={segment.error} onRetry={() => void segment.refetch()} />;
  const current = segment.data;
  return (
    <Page
      title={current.name}
      description={
        <>
          <Link to="/segments">← {t('back')}</Link> · {t('version', { version: current.version })} · <strong>{t('estimateCount', { count: format.number(counts?.members ?? current.members) })}</strong>{' '}
          <StatusBadge status={counts?.status ?? current.status} percent={counts?.percent ?? current.backfill.percent} />
        </>
      }
      actions={
        canEdit(me?.role) ? (
          <Button variant="danger" busy={remove.isPending} onClick={() => window.confirm(t('confirmDelete', { name: current.name })) && remove.mutate()}>
            {t('deleteSegment')}
          </Button>
        ) : undefined
      }
    >
      <ErrorNotice error={remove.error} />
      <div className="tabs" role="tablist" aria-label={t('sections')}>
        {TABS.map((key) => (
          <button
            key={key}
            type="button"
            role="tab"
            id={`seg-tab-${key}`}
            aria-controls="seg-tabpanel"
            aria-selected={tab === key}
            tabIndex={tab === key ? 0 : -1}
            onClick={() => void navigate({ to: '/segments/$id', params: { id }, search: { tab: key }, replace: true })}
            onKeyDown={(event) => {
              const index = TABS.indexOf(key);
              const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
              if (step === 0) return;
              const dir = document.documentElement.dir === 'rtl' ? -step : step;
              const next = TABS[(index + dir + TABS.length) % TABS.length] ?? 'definition';
              void navigate({ to: '/segments/$id', params: { id }, search: { tab: next }, replace: true });
              document.getElementById(`seg-tab-${next}`)?.focus();
            }}
          >
            {t(`tab_${key}`)}
          </button>
        ))}
      </div>
      <div id="seg-tabpanel" role="tabpanel" aria-labelledby={`seg-tab-${tab}`}>
        {tab === 'definition' ? current.kind === 'static' ? <Empty>{t('kind_static')}</Empty> : <SegmentEditor key={current.id} segment={current} /> : null}
        {tab === 'size' ? <SizeOverTime id={id} /> : null}
        {tab === 'members' ? <Members segment={current} /> : null}
        {tab === 'explain' ? <Explain id={id} /> : null}
        {tab === 'destinations' ? <Destinations segment={current} /> : null}
      </div>
    </Page>
  );
}

interface CountRow {
  at: string;
  entered: number;
  exited: number;
  members: number;
}

function SizeOverTime({ id }: { id: string }) {
  const t = useT(segmentsMessages);
  const format = useFormat();
  const counts = useQuery({ queryKey: ['segment-counts', id], queryFn: () => api.get<{ counts: CountRow[] }>('/api/v1/segments/{id}/counts', { params: { id }, query: { bucket: 'day' } }) });
  if (counts.isPending) return <Loading />;
  if (counts.data === undefined) return <ErrorNotice error={counts.error} onRetry={() => void counts.refetch()} />;
  const rows = counts.data.counts;
  const max = Math.max(1, ...rows.map((row) => row.members));
  const width = 720;
  const height = 200;
  const step = rows.length > 1 ? width / (rows.length - 1) : width;
  const points = rows.map((row, index) => `${(index * step).toFixed(1)},${(height - (row.members / max) * (height - 10)).toFixed(1)}`).join(' ');
  const columns: Column<CountRow>[] = [
    { key: 'at', header: t('day'), cell: (row) => format.date(row.at), csv: (row) => row.at },
    { key: 'members', header: t('members'), numeric: true, cell: (row) => format.number(row.members), csv: (row) => row.members },
    { key: 'entered', header: t('entered'), numeric: true, cell: (row) => format.number(row.entered), csv: (row) => row.entered },
    { key: 'exited', header: t('exited'), numeric: true, cell: (row) => format.number(row.exited), csv: (row) => row.exited },
  ];
  return (
    <Card title={t('sizeChart')}>
      {rows.length === 0 ? (
        <Empty />
      ) : (
        <svg className="seg-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${t('sizeChart')}: ${format.number(rows.at(-1)?.members ?? 0)}`} preserveAspectRatio="none">
          <polyline points={points} fill="none" stroke="currentColor" strokeWidth="2" vectorEffect="non-scaling-stroke" />
        </svg>
      )}
      <DataTable caption={t('sizeChart')} columns={columns} rows={rows} rowKey={(row) => row.at} csvName={`segment-${id}-size`} />
    </Card>
  );
}

function Members({ segment }: { segment: Segment }) {
  const t = useT(segmentsMessages);
  const format = useFormat();
  const [pages, setPages] = useState<string[]>(['']);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(undefined);
  const members = useQuery({
    queryKey: ['segment-members', segment.id, pages],
    queryFn: async () => {
      const all: { profileId: string; enteredAt: string }[] = [];
      let next: string | null = null;
      for (const cursor of pages) {
        const page = await api.get<{ members: { profileId: string; enteredAt: string }[]; nextCursor: string | null }>('/api/v1/segments/{id}/members', {
          params: { id: segment.id },
          query: { limit: 50, ...(cursor === '' ? {} : { cursor }) },
        });
        all.push(...page.members);
        next = page.nextCursor;
      }
      return { members: all, nextCursor: next };
    },
  });
  const exportCsv = async () => {
    setExporting(true);
    setExportError(undefined);
    try {
      const text = await api.get<string>('/api/v1/segments/{id}/members.csv', { params: { id: segment.id }, text: true });
      downloadText(`${segment.name.replace(/[^\p{L}\p{N}]+/gu, '-')}-members.csv`, text);
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(false);
    }
  };
  const columns: Column<{ profileId: string; enteredAt: string }>[] = [
    {
      key: 'profile',
      header: t('profile'),
      cell: (row) => (
        <Link to="/profiles/$id" params={{ id: row.profileId }}>
          {row.profileId}
        </Link>
      ),
      csv: (row) => row.profileId,
    },
    { key: 'entered', header: t('enteredAt'), cell: (row) => format.dateTime(row.enteredAt), csv: (row) => row.enteredAt },
  ];
  return (
    <Card
      title={t('tab_members')}
      actions={
        <Button onClick={() => void exportCsv()} busy={exporting}>
          {exporting ? t('exporting') : t('export')}
        </Button>
      }
    >
      <ErrorNotice error={exportError} />
      {members.isPending ? <Loading /> : null}
      <ErrorNotice error={members.error} />
      {members.data === undefined ? null : (
        <>
          <DataTable caption={t('tab_members')} columns={columns} rows={members.data.members} rowKey={(row) => row.profileId} />
          {members.data.nextCursor === null ? null : <Button onClick={() => setPages((previous) => [...previous, members.data.nextCursor ?? ''])}>{t('loadMore')}</Button>}
        </>
      )}
    </Card>
  );
}

interface ExplainNode {
  path?: string;
  type?: string;
  result?: boolean;
  actual?: unknown;
  condition?: unknown;
  children?: ExplainNode[];
}

function ExplainTree({ node }: { node: ExplainNode }) {
  const t = useT(segmentsMessages);
  const label = node.condition === undefined ? (node.type ?? '') : JSON.stringify(node.condition);
  return (
    <li>
      <Badge tone={node.result === true ? 'good' : 'bad'}>{node.result === true ? t('pass') : t('fail')}</Badge> <strong>{node.type}</strong>{' '}
      {node.children === undefined ? <code className="code seg-explain-code">{label}</code> : null}
      {node.actual === undefined ? null : (
        <span className="muted small">
          {' '}
          · {t('explainActual')}: <code className="code">{JSON.stringify(node.actual)}</code>
        </span>
      )}
      {node.children === undefined || node.children.length === 0 ? null : (
        <ul className="seg-explain">
          {node.children.map((child, index) => (
            <ExplainTree key={index} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}

function Explain({ id }: { id: string }) {
  const t = useT(segmentsMessages);
  const [profileId, setProfileId] = useState('');
  const [asked, setAsked] = useState<string | undefined>(undefined);
  const members = useQuery({
    queryKey: ['segment-members-pick', id],
    queryFn: () => api.get<{ members: { profileId: string }[] }>('/api/v1/segments/{id}/members', { params: { id }, query: { limit: 10 } }),
  });
  const explain = useQuery({
    queryKey: ['segment-explain', id, asked],
    enabled: asked !== undefined && asked !== '',
    queryFn: () => api.get<{ member: boolean; result: boolean; explanation: ExplainNode }>('/api/v1/segments/{id}/explain/{profileId}', { params: { id, profileId: asked ?? '' } }),
  });
  return (
    <Card title={t('tab_explain')}>
      <form
        className="seg-explain-form"
        onSubmit={(event) => {
          event.preventDefault();
          setAsked(profileId.trim());
        }}
      >
        <Field label={t('explainFor')} hint={t('explainHint')} error={explain.error instanceof ApiError ? explain.error.message : undefined}>
          {(props) => <input {...props} value={profileId} onChange={(event) => setProfileId(event.target.value)} />}
        </Field>
        <Button type="submit" variant="primary">
          {t('explainRun')}
        </Button>
      </form>
      {members.data === undefined || members.data.members.length === 0 ? null : (
        <p className="small">
          {t('explainPick')}:{' '}
          {members.data.members.map((member) => (
            <button
              key={member.profileId}
              type="button"
              className="button ghost seg-chip"
              onClick={() => {
                setProfileId(member.profileId);
                setAsked(member.profileId);
              }}
            >
              {member.profileId}
            </button>
          ))}
        </p>
      )}
      {explain.isFetching ? <Loading /> : null}
      {explain.data === undefined ? null : (
        <div aria-live="polite">
          <p>
            <Badge tone={explain.data.result ? 'good' : 'neutral'}>{explain.data.result ? t('explainIn') : t('explainOut')}</Badge>
          </p>
          <ul className="seg-explain">
            <ExplainTree node={explain.data.explanation} />
          </ul>
        </div>
      )}
    </Card>
  );
}

function Destinations({ segment }: { segment: Segment }) {
  const t = useT(segmentsMessages);
  const format = useFormat();
  const queryClient = useQueryClient();
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const change = useMutation({
    mutationFn: (destination: { url: string } | null) => api.patch<Segment>('/api/v1/segments/{id}', { params: { id: segment.id }, body: { destination } }),
    onSuccess: (saved) => {
      setSecret(saved.destination?.secret);
      setUrl('');
      queryClient.setQueryData(['segment', saved.id], saved);
    },
  });
  const error = change.error instanceof ApiError ? change.error : undefined;
  const urlError = error?.fieldMessage('destination.url') ?? (url !== '' && !/^https?:\/\//i.test(url) ? 'http(s)://…' : undefined);
  return (
    <Card title={t('destination')}>
      <p className="muted small">{t('destinationHint')}</p>
      {segment.destination === null ? (
        <Empty>{t('destinationNone')}</Empty>
      ) : (
        <div className="seg-destination">
          <code className="code">{segment.destination.url}</code>
          <span>
            {t('delivered')}: {format.number(segment.destination.delivered)} · {t('pending')}: {format.number(segment.destination.pending)}
          </span>
          {editable ? (
            <Button variant="danger" busy={change.isPending} onClick={() => change.mutate(null)}>
              {t('removeDestination')}
            </Button>
          ) : null}
        </div>
      )}
      {secret === undefined ? null : (
        <p className="notice good" role="status">
          {t('secretOnce', { secret })}
        </p>
      )}
      {editable ? (
        <form
          className="seg-explain-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (urlError === undefined && url !== '') change.mutate({ url });
          }}
        >
          <Field label={t('destinationUrl')} error={urlError}>
            {(props) => <input {...props} type="url" value={url} placeholder="https://example.com/hooks/segment" onChange={(event) => setUrl(event.target.value)} />}
          </Field>
          <Button type="submit" variant="primary" busy={change.isPending}>
            {t('addDestination')}
          </Button>
        </form>
      ) : null}
      {error !== undefined && urlError === undefined ? <ErrorNotice error={error} /> : null}
    </Card>
  );
}
