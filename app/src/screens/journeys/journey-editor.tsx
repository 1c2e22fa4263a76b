import { useCallback, useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Background, Controls, Handle, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import { graphlib, layout } from '@dagrejs/dagre';
import '@xyflow/react/dist/style.css';
import { api, ApiError } from '../../api/client';
import { useFormat, useT, type Format, type Translate } from '../../i18n/i18n';
import { useLive } from '../../live/use-live';
import { canEdit, useSession } from '../../shell/session';
import { Badge, Button, Card, ErrorNotice, Field, Loading, Page } from '../../ui/ui';
import { journeyMessages, type JourneyMessageKey } from './messages';
import {
  insertAfter,
  issuesByNode,
  NODE_TYPES,
  outlets,
  removeNode,
  renameNode,
  statusTone,
  TRIGGER_ID,
  type Condition,
  type Issue,
  type Journey,
  type JourneyDefinition,
  type JourneyNode,
  type JourneyReport,
  type NodeType,
} from './model';
import { NodeFields, NodeOutlets, Select, SettingsFields, TriggerFields } from './node-forms';
import { journeyRoute } from './routes';
import './journeys.css';

/*
 * The journey canvas: the definition drawn by dagre with @xyflow/react (this route's chunk
 * only), a list of the same steps for the keyboard, a side panel of forms for the selected
 * step, validation on the step it concerns, live per-step statistics, save/publish with the
 * version it was edited from (a save that would overwrite someone else's answers 409 and is
 * shown), pause/resume, versions and a dry run for one profile.
 */

type T = Translate<JourneyMessageKey>;
const NODE_WIDTH = 236;
const NODE_HEIGHT = 112;
const SETTINGS = '__settings';

interface CardData extends Record<string, unknown> {
  kind: 'trigger' | NodeType;
  title: string;
  nodeId: string;
  summary: string;
  stats: { key: 'entered' | 'waiting' | 'sent' | 'converted' | 'revenue'; value: string }[];
  problems: number;
  selected: boolean;
  problemsLabel: string;
  labels: Record<string, string>;
}

function JourneyCard({ data }: NodeProps<Node<CardData>>) {
  return (
    <div className={`journeys-card kind-${data.kind} ${data.selected ? 'selected' : ''} ${data.problems > 0 ? 'invalid' : ''}`} data-node-id={data.nodeId}>
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="journeys-card-head">
        <span className="journeys-card-type">{data.title}</span>
        {data.problems > 0 ? <span className="journeys-card-problems">{data.problemsLabel}</span> : null}
      </div>
      <div className="journeys-card-id">{data.nodeId === TRIGGER_ID ? data.summary : data.nodeId}</div>
      {data.nodeId === TRIGGER_ID ? null : <div className="journeys-card-summary">{data.summary}</div>}
      {data.stats.length === 0 ? null : (
        <dl className="journeys-card-stats">
          {data.stats.map((stat) => (
            <div key={stat.key} data-stat={stat.key}>
              <dt>{data.labels[stat.key]}</dt>
              <dd>{stat.value}</dd>
            </div>
          ))}
        </dl>
      )}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
}
const nodeTypes = { journey: JourneyCard };

function summaryOf(node: JourneyNode, t: T): string {
  switch (node.type) {
    case 'wait':
      return `${node.duration.amount} ${t(`unit.${node.duration.unit}`)}`;
    case 'wait_until':
      return [node.date, node.time].filter(Boolean).join(' ');
    case 'wait_event':
      return `${node.event} · ${node.timeout.amount} ${t(`unit.${node.timeout.unit}`)}`;
    case 'condition':
      return conditionSummary(node.condition);
    case 'split':
      return node.branches.map((branch) => branch.name).join(' · ');
    case 'ab':
      return node.arms.map((arm) => `${arm.name} ${arm.weight}`).join(' · ') + (node.holdout === undefined ? '' : ` · holdout ${node.holdout}`);
    case 'send':
      return `${t(`channel.${node.channel}`)} · ${node.templateId}${node.coupon === undefined ? '' : ` · ${node.coupon.poolId}`}`;
    case 'update_profile':
      return Object.keys(node.traits).join(', ');
    case 'webhook':
      return node.url;
    case 'onsite':
      return node.campaignId;
    case 'list':
      return `${t(`action.${node.action}`)} ${node.listId}`;
    case 'exit':
      return '';
  }
}

function triggerSummary(definition: JourneyDefinition, t: T): string {
  const trigger = definition.trigger;
  switch (trigger.type) {
    case 'event':
      return trigger.event;
    case 'segment':
      return `${t(`on.${trigger.on}`)} ${trigger.segmentId}`;
    case 'date':
      return trigger.source === 'trait' ? (trigger.trait ?? '') : t(`source.${trigger.source}`);
    case 'catalog':
      return t(`catalog.${trigger.event}`);
    case 'schedule':
      return trigger.at;
    case 'api':
      return 'API';
  }
}

/** Positions from dagre, top to bottom. */
function laidOut(ids: string[], edges: { source: string; target: string }[]): Map<string, { x: number; y: number }> {
  const graph = new graphlib.Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 56 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const id of ids) graph.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of edges) if (edge.source !== edge.target && ids.includes(edge.target)) graph.setEdge(edge.source, edge.target);
  layout(graph);
  const positions = new Map<string, { x: number; y: number }>();
  for (const id of ids) {
    const node = graph.node(id);
    positions.set(id, { x: node.x - NODE_WIDTH / 2, y: node.y - NODE_HEIGHT / 2 });
  }
  return positions;
}

function nodeStats(node: JourneyNode | undefined, report: JourneyReport | undefined, format: Format, currency: string): CardData['stats'] {
  if (report === undefined) return [];
  if (node === undefined) {
    return [
      { key: 'entered', value: format.number(report.entered) },
      { key: 'converted', value: format.number(report.conversions.goal.runs + report.conversions.order.runs) },
      { key: 'revenue', value: format.money(report.conversions.goal.revenue + report.conversions.order.revenue, currency) },
    ];
  }
  const row = report.nodes.find((candidate) => candidate.nodeId === node.id);
  const stats: CardData['stats'] = [
    { key: 'entered', value: format.number(row?.reached ?? 0) },
    { key: 'waiting', value: format.number(row?.inProgress ?? 0) },
  ];
  if (node.type === 'send') stats.push({ key: 'sent', value: format.number((row?.sends.sent ?? 0) + (row?.sends.queued ?? 0) + (row?.sends.delivered ?? 0)) });
  if (node.type === 'ab') {
    const arms = report.arms.filter((arm) => arm.nodeId === node.id);
    stats.push({ key: 'converted', value: format.number(arms.reduce((total, arm) => total + arm.conversions, 0)) });
    stats.push({
      key: 'revenue',
      value: format.money(
        arms.reduce((total, arm) => total + arm.revenue, 0),
        currency,
      ),
    });
  }
  return stats;
}

const draftKey = (id: string) => `rapport.journey-draft.${id}`;

export function JourneyEditorScreen() {
  const { id } = journeyRoute.useParams();
  const t = useT(journeyMessages);
  const journey = useQuery({ queryKey: ['journeys', id], queryFn: () => api.get<Journey>('/api/v1/journeys/{id}', { params: { id } }) });
  if (journey.isPending) return <Loading />;
  if (journey.data === undefined)
    return (
      <Page title={t('title')} actions={<Link to="/journeys">{t('back')}</Link>}>
        <ErrorNotice error={journey.error} onRetry={() => void journey.refetch()} />
      </Page>
    );
  return <Editor key={id} initial={journey.data} />;
}

function Editor({ initial }: { initial: Journey }) {
  const t = useT(journeyMessages);
  const format = useFormat();
  const client = useQueryClient();
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const id = initial.id;
  const [journey, setJourney] = useState<Journey>(initial);
  const [draft, setDraft] = useState<JourneyDefinition>(() => {
    const stored = window.localStorage.getItem(draftKey(id));
    if (stored !== null) {
      try {
        const parsed = JSON.parse(stored) as { base: number; definition: JourneyDefinition };
        if (parsed.base === initial.version) return parsed.definition;
      } catch {
        // An unreadable saved draft is dropped.
      }
    }
    return initial.definition;
  });
  const [restored] = useState(() => draft !== initial.definition);
  const [showRestored, setShowRestored] = useState(restored);
  const [base, setBase] = useState(initial.version);
  const [selected, setSelected] = useState<string>(TRIGGER_ID);
  const [issues, setIssues] = useState<Issue[]>([]);
  const [conflict, setConflict] = useState<Journey | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const dirty = JSON.stringify(draft) !== JSON.stringify(journey.definition);
  const report = useLive<JourneyReport>('/api/v1/journeys/{id}/report/live', { id });

  // Keep the edit in progress across a reload or an expired session.
  useEffect(() => {
    if (dirty) window.localStorage.setItem(draftKey(id), JSON.stringify({ base, definition: draft }));
    else window.localStorage.removeItem(draftKey(id));
  }, [dirty, draft, base, id]);

  // Validate as the user edits (debounced); the answer's issues go on the steps they name.
  useEffect(() => {
    const timer = setTimeout(() => {
      api
        .post<{ valid: boolean; issues: Issue[] }>('/api/v1/journeys/validate', { body: draft })
        .then((answer) => setIssues(answer.issues))
        .catch(() => undefined);
    }, 400);
    return () => clearTimeout(timer);
  }, [draft]);

  const byNode = useMemo(() => issuesByNode(draft, issues), [draft, issues]);
  const problemCount = issues.length;

  const adopt = useCallback(
    (saved: Journey, message?: string) => {
      setJourney(saved);
      setBase(saved.version);
      setDraft(saved.definition);
      setConflict(undefined);
      setNotice(message);
      client.setQueryData(['journeys', saved.id], saved);
      void client.invalidateQueries({ queryKey: ['journeys'], exact: true });
    },
    [client],
  );

  const save = useMutation({
    mutationFn: async ({ expected, publish }: { expected: number; publish: boolean }) => {
      let saved = journey;
      if (JSON.stringify(draft) !== JSON.stringify(journey.definition) || expected !== journey.version)
        saved = await api.put<Journey>('/api/v1/journeys/{id}', { params: { id }, query: { expectedVersion: expected }, body: draft });
      if (publish && saved.status === 'draft') saved = await api.post<Journey>('/api/v1/journeys/{id}/activate', { params: { id } });
      return { saved, publish };
    },
    onSuccess: ({ saved, publish }) => adopt(saved, publish ? t('published', { n: saved.version }) : t('saved', { n: saved.version })),
    onError: async (error) => {
      if (error instanceof ApiError && error.code === 'journey.version_conflict') {
        setConflict(await api.get<Journey>('/api/v1/journeys/{id}', { params: { id } }));
      } else if (error instanceof ApiError && error.issues.length > 0) setIssues(error.issues);
    },
  });
  const lifecycle = useMutation({
    mutationFn: (action: 'pause' | 'resume') => api.post<Journey>(action === 'pause' ? '/api/v1/journeys/{id}/pause' : '/api/v1/journeys/{id}/resume', { params: { id } }),
    onSuccess: (saved, action) => {
      setJourney({ ...journey, status: saved.status });
      setNotice(action === 'pause' ? t('paused') : t('resumed'));
      void client.invalidateQueries({ queryKey: ['journeys'] });
    },
  });

  const update = (next: JourneyDefinition) => {
    setDraft(next);
    setNotice(undefined);
  };
  const updateNode = (node: JourneyNode) => update({ ...draft, nodes: draft.nodes.map((candidate) => (candidate.id === selected ? node : candidate)) });

  const status = journey.status;
  const canPublish = editable && problemCount === 0 && status !== 'archived' && (status === 'draft' || dirty);
  const liveReport = report.data?.journeyId === id ? report.data : undefined;
  const currency = liveReport?.currency ?? 'USD';

  const { nodes, edges } = useMemo(() => {
    const labels: Record<string, string> = { entered: t('entered'), waiting: t('waiting'), sent: t('sent'), converted: t('converted'), revenue: t('revenue') };
    const edgeList: Edge[] = [{ id: `${TRIGGER_ID}->${draft.start}`, source: TRIGGER_ID, target: draft.start }];
    for (const node of draft.nodes)
      for (const outlet of outlets(node)) {
        const label = outlet.label === undefined ? undefined : 'key' in outlet.label ? t(outlet.label.key) : outlet.label.text;
        edgeList.push({
          id: `${node.id}:${outlet.field}`,
          source: node.id,
          target: outlet.target,
          ...(label === undefined ? {} : { label }),
          type: outlet.target === node.id ? 'default' : 'smoothstep',
        });
      }
    const ids = [TRIGGER_ID, ...draft.nodes.map((node) => node.id)];
    const positions = laidOut(ids, edgeList);
    const cards: Node<CardData>[] = ids.map((nodeId) => {
      const node = draft.nodes.find((candidate) => candidate.id === nodeId);
      const problems = byNode.get(nodeId)?.length ?? 0;
      return {
        id: nodeId,
        type: 'journey',
        position: positions.get(nodeId) ?? { x: 0, y: 0 },
        selected: nodeId === selected,
        ariaLabel: node === undefined ? `${t('trigger')}: ${t(`trigger.${draft.trigger.type}`)}` : `${t(`node.${node.type}`)}: ${node.id}`,
        data: {
          kind: node?.type ?? 'trigger',
          title: node === undefined ? t(`trigger.${draft.trigger.type}`) : t(`node.${node.type}`),
          nodeId,
          summary: node === undefined ? triggerSummary(draft, t) : summaryOf(node, t),
          stats: nodeStats(node, liveReport, format, currency),
          problems,
          problemsLabel: t('problems', { n: problems }),
          selected: nodeId === selected,
          labels,
        },
      };
    });
    return { nodes: cards, edges: edgeList.filter((edge) => ids.includes(edge.target)) };
  }, [draft, byNode, selected, liveReport, format, t]);

  const selectedNode = draft.nodes.find((node) => node.id === selected);
  const selectedIssues = byNode.get(selected);
  const title = selected === SETTINGS ? t('settings') : selected === TRIGGER_ID ? t('trigger') : selectedNode === undefined ? '' : `${t(`node.${selectedNode.type}`)}: ${selectedNode.id}`;

  return (
    <Page
      title={draft.name}
      description={
        <span className="journeys-status-line">
          <Badge tone={statusTone(status)}>{t(`status.${status}`)}</Badge> {t('versionN', { n: journey.version })}
          {dirty ? <Badge tone="warn">{t('unsaved')}</Badge> : null}
          <span className={`journeys-dot ${report.connected ? 'on' : ''}`} aria-hidden="true" /> <span className="muted">{report.connected ? t('live') : t('reconnecting')}</span>
        </span>
      }
      actions={
        <div className="journeys-actions">
          <Link to="/journeys">{t('back')}</Link>
          <Button disabled={!editable || !dirty || status === 'archived'} busy={save.isPending && save.variables.publish === false} onClick={() => save.mutate({ expected: base, publish: false })}>
            {t('save')}
          </Button>
          <Button
            variant="primary"
            disabled={!canPublish}
            title={editable ? undefined : t('readOnly')}
            busy={save.isPending && save.variables.publish}
            onClick={() => save.mutate({ expected: base, publish: true })}
          >
            {status === 'draft' ? t('publish') : t('publishChanges')}
          </Button>
          {status === 'active' ? (
            <Button disabled={!editable} busy={lifecycle.isPending} onClick={() => lifecycle.mutate('pause')}>
              {t('pause')}
            </Button>
          ) : null}
          {status === 'paused' ? (
            <Button disabled={!editable} busy={lifecycle.isPending} onClick={() => lifecycle.mutate('resume')}>
              {t('resume')}
            </Button>
          ) : null}
        </div>
      }
    >
      {editable ? null : (
        <p className="notice" role="note">
          {t('readOnly')}
        </p>
      )}
      {status === 'draft' && editable ? <p className="muted">{t('draftNote')}</p> : null}
      {showRestored ? (
        <div className="notice warn" role="status">
          {t('restoredDraft')}{' '}
          <Button
            variant="ghost"
            onClick={() => {
              setDraft(journey.definition);
              setShowRestored(false);
            }}
          >
            {t('discardDraft')}
          </Button>
        </div>
      ) : null}
      {notice === undefined ? null : (
        <div className="notice good" role="status">
          {notice}
        </div>
      )}
      {conflict === undefined ? null : (
        <div className="notice bad journeys-conflict" role="alert">
          <strong>{t('conflictTitle')}</strong>
          <p>{t('conflictText', { n: conflict.version })}</p>
          <div className="journeys-actions">
            <Button onClick={() => adopt(conflict)}>{t('loadTheirs', { n: conflict.version })}</Button>
            <Button
              variant="danger"
              onClick={() => {
                setJourney(conflict);
                setBase(conflict.version);
                setConflict(undefined);
                save.mutate({ expected: conflict.version, publish: false });
              }}
            >
              {t('keepMine')}
            </Button>
          </div>
        </div>
      )}
      {save.error instanceof ApiError && save.error.code === 'journey.version_conflict' ? null : <ErrorNotice error={save.error ?? lifecycle.error} />}
      <div className="journeys-editor">
        <nav className="journeys-steps" aria-label={t('nodeList')}>
          <h2>{t('nodes')}</h2>
          <ol>
            {[TRIGGER_ID, ...draft.nodes.map((node) => node.id), SETTINGS].map((nodeId) => {
              const node = draft.nodes.find((candidate) => candidate.id === nodeId);
              const problems = byNode.get(nodeId)?.length ?? (nodeId === SETTINGS ? (byNode.get('')?.length ?? 0) : 0);
              const label = nodeId === TRIGGER_ID ? t('trigger') : nodeId === SETTINGS ? t('settings') : `${t(`node.${node?.type ?? 'exit'}`)}: ${nodeId}`;
              return (
                <li key={nodeId}>
                  <button type="button" className={`journeys-step ${selected === nodeId ? 'selected' : ''}`} aria-pressed={selected === nodeId} onClick={() => setSelected(nodeId)}>
                    <span>{label}</span>
                    {problems > 0 ? <Badge tone="bad">{t('problems', { n: problems })}</Badge> : null}
                  </button>
                </li>
              );
            })}
          </ol>
        </nav>
        <div className="journeys-canvas" role="region" aria-label={t('canvas')}>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodeClick={(_event, node) => setSelected(node.id)}
            nodesDraggable={false}
            nodesConnectable={false}
            fitView
            // Readable cards first: the start of the journey at a legible zoom; the rest is a pan away.
            fitViewOptions={{ nodes: [{ id: TRIGGER_ID }, { id: draft.start }], maxZoom: 1, minZoom: 0.75 }}
            minZoom={0.2}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
        <aside className="journeys-panel" aria-labelledby="journeys-panel-title">
          <h2 id="journeys-panel-title">{title === '' ? t('selectHint') : t('editing', { node: title })}</h2>
          {selectedIssues === undefined || selectedIssues.length === 0 ? null : (
            <ul className="journeys-issues" role="alert">
              {selectedIssues.map((issue, index) => (
                <li key={index}>{issue.message}</li>
              ))}
            </ul>
          )}
          {selected === SETTINGS ? (
            <>
              {(byNode.get('') ?? []).length > 0 ? (
                <ul className="journeys-issues" role="alert">
                  {(byNode.get('') ?? []).map((issue, index) => (
                    <li key={index}>{issue.message}</li>
                  ))}
                </ul>
              ) : null}
              <SettingsFields definition={draft} onChange={update} issues={byNode.get('')} disabled={!editable} />
            </>
          ) : null}
          {selected === TRIGGER_ID ? (
            <>
              <TriggerFields trigger={draft.trigger} onChange={(trigger) => update({ ...draft, trigger })} issues={selectedIssues} disabled={!editable} />
              <AddStep
                key={TRIGGER_ID}
                afterId={TRIGGER_ID}
                fields={[{ field: 'start', label: t('next') }]}
                disabled={!editable}
                onAdd={(field, type) => {
                  const result = insertAfter(draft, TRIGGER_ID, field, type);
                  update(result.definition);
                  setSelected(result.id);
                }}
              />
            </>
          ) : null}
          {selectedNode === undefined ? null : (
            <>
              <NodeIdField
                key={selectedNode.id}
                id={selectedNode.id}
                taken={draft.nodes.map((node) => node.id)}
                disabled={!editable}
                onRename={(to) => {
                  update(renameNode(draft, selectedNode.id, to));
                  setSelected(to);
                }}
              />
              <NodeFields node={selectedNode} onChange={updateNode} issues={selectedIssues} disabled={!editable} />
              <NodeOutlets
                node={selectedNode}
                onChange={updateNode}
                issues={selectedIssues}
                disabled={!editable}
                nodeIds={draft.nodes.filter((node) => node.id !== selectedNode.id || node.type.startsWith('wait')).map((node) => node.id)}
              />
              {outlets(selectedNode).length === 0 ? null : (
                <AddStep
                  key={selectedNode.id}
                  afterId={selectedNode.id}
                  fields={outlets(selectedNode).map((outlet) => ({
                    field: outlet.field,
                    label: outlet.label === undefined ? t('next') : 'key' in outlet.label ? t(outlet.label.key) : outlet.label.text,
                  }))}
                  disabled={!editable}
                  onAdd={(field, type) => {
                    const result = insertAfter(draft, selectedNode.id, field, type);
                    update(result.definition);
                    setSelected(result.id);
                  }}
                />
              )}
              <Button
                variant="danger"
                disabled={!editable || draft.nodes.length < 2}
                onClick={() => {
                  update(removeNode(draft, selectedNode.id));
                  setSelected(TRIGGER_ID);
                }}
              >
                {t('remove')}
              </Button>
            </>
          )}
        </aside>
      </div>
      <div className="grid journeys-below">
        <Card title={t('stats')}>
          <StatsTable report={liveReport} definition={draft} format={format} currency={currency} onSelect={setSelected} />
        </Card>
        <DryRun id={id} onSelect={setSelected} />
        <Versions
          journey={journey}
          disabled={!editable}
          onLoad={(definition, version) => {
            update(definition);
            setNotice(t('versionLoaded', { n: version }));
          }}
        />
      </div>
      <p className="journeys-sr-only" aria-live="polite">
        {problemCount === 0 ? t('valid') : t('issuesTitle', { n: problemCount })}
      </p>
    </Page>
  );
}

function NodeIdField({ id, taken, onRename, disabled }: { id: string; taken: string[]; onRename: (id: string) => void; disabled: boolean }) {
  const t = useT(journeyMessages);
  const [value, setValue] = useState(id);
  const error = value === id ? undefined : !/^[A-Za-z0-9_.:-]{1,100}$/.test(value) ? t('nodeIdHint') : taken.includes(value) ? `"${value}"` : undefined;
  const commit = () => {
    if (value !== id && error === undefined) onRename(value);
  };
  return (
    <Field label={t('nodeId')} hint={t('nodeIdHint')} error={error}>
      {(props) => (
        <input
          {...props}
          value={value}
          disabled={disabled}
          onChange={(event) => setValue(event.target.value)}
          onBlur={commit}
          onKeyDown={(event) => {
            if (event.key === 'Enter') commit();
          }}
        />
      )}
    </Field>
  );
}

function AddStep({ afterId, fields, onAdd, disabled }: { afterId: string; fields: { field: string; label: string }[]; onAdd: (field: string, type: NodeType) => void; disabled: boolean }) {
  const t = useT(journeyMessages);
  const [type, setType] = useState<NodeType>('wait');
  const [field, setField] = useState(fields[0]?.field ?? 'next');
  return (
    <fieldset className="journeys-fieldset journeys-add" data-after={afterId}>
      <legend>{t('addStep')}</legend>
      {fields.length > 1 ? (
        <Select label={t('addOn')} field="" issues={undefined} disabled={disabled} value={field} options={fields.map((entry) => ({ value: entry.field, label: entry.label }))} onChange={setField} />
      ) : null}
      <Select label={t('addType')} field="" issues={undefined} disabled={disabled} value={type} options={NODE_TYPES.map((value) => ({ value, label: t(`node.${value}`) }))} onChange={setType} />
      <Button disabled={disabled} onClick={() => onAdd(field, type)}>
        {t('add')}
      </Button>
    </fieldset>
  );
}

function StatsTable({
  report,
  definition,
  format,
  currency,
  onSelect,
}: {
  report: JourneyReport | undefined;
  definition: JourneyDefinition;
  format: Format;
  currency: string;
  onSelect: (id: string) => void;
}) {
  const t = useT(journeyMessages);
  if (report === undefined) return <Loading />;
  return (
    <>
      <div className="journeys-totals">
        <div className="stat">
          <div className="stat-label">{t('entered')}</div>
          <div className="stat-value" data-total="entered">
            {format.number(report.entered)}
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">{t('inProgress')}</div>
          <div className="stat-value">{format.number(report.inProgress)}</div>
        </div>
        <div className="stat">
          <div className="stat-label">{t('sent')}</div>
          <div className="stat-value">{format.number(report.sent)}</div>
        </div>
        <div className="stat">
          <div className="stat-label">{t('converted')}</div>
          <div className="stat-value">{format.number(report.conversions.goal.runs + report.conversions.order.runs)}</div>
        </div>
        <div className="stat">
          <div className="stat-label">{t('revenue')}</div>
          <div className="stat-value">{format.money(report.conversions.goal.revenue + report.conversions.order.revenue, currency)}</div>
        </div>
      </div>
      <div className="table-wrap">
        <table>
          <caption>{t('stats')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('nodes')}</th>
              <th scope="col" className="num">
                {t('entered')}
              </th>
              <th scope="col" className="num">
                {t('waiting')}
              </th>
              <th scope="col" className="num">
                {t('sent')}
              </th>
            </tr>
          </thead>
          <tbody>
            {definition.nodes.map((node) => {
              const row = report.nodes.find((candidate) => candidate.nodeId === node.id);
              const sent = (row?.sends.sent ?? 0) + (row?.sends.queued ?? 0) + (row?.sends.delivered ?? 0);
              return (
                <tr key={node.id}>
                  <td>
                    <button type="button" className="journeys-link" onClick={() => onSelect(node.id)}>
                      {`${t(`node.${node.type}`)}: ${node.id}`}
                    </button>
                  </td>
                  <td className="num">{format.number(row?.reached ?? 0)}</td>
                  <td className="num">{format.number(row?.inProgress ?? 0)}</td>
                  <td className="num">{node.type === 'send' ? format.number(sent) : t('none')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

function DryRun({ id, onSelect }: { id: string; onSelect: (id: string) => void }) {
  const t = useT(journeyMessages);
  const format = useFormat();
  const [profileId, setProfileId] = useState('');
  const [assume, setAssume] = useState('');
  // A few profiles to pick from (the field also takes any profile id).
  const sample = useQuery({
    queryKey: ['profiles', 'sample'],
    queryFn: () => api.get<{ profiles: { id: string; identities: { type: string; value: string }[] }[] }>('/api/v1/profiles', { query: { limit: 25 } }),
    staleTime: 60_000,
  });
  const listId = `journeys-dry-run-profiles-${id}`;
  const run = useMutation({
    mutationFn: () =>
      api.post<{ steps: { at: string; nodeId: string; type: string; detail: string }[] }>('/api/v1/journeys/{id}/dry-run', {
        params: { id },
        body: {
          profileId: profileId.trim(),
          ...(assume.trim() === ''
            ? {}
            : {
                assumeEvents: assume
                  .split(',')
                  .map((event) => event.trim())
                  .filter(Boolean),
              }),
        },
      }),
  });
  const profileError = run.error instanceof ApiError ? (run.error.fieldMessage('profileId') ?? (run.error.status === 404 ? run.error.message : undefined)) : undefined;
  return (
    <Card title={t('dryRun')}>
      <p className="muted">{t('dryRunHint')}</p>
      <form
        className="journeys-dry-run"
        onSubmit={(event) => {
          event.preventDefault();
          if (profileId.trim() !== '') run.mutate();
        }}
      >
        <Field label={t('profileId')} error={profileError}>
          {(props) => <input {...props} value={profileId} list={listId} autoComplete="off" required onChange={(event) => setProfileId(event.target.value)} />}
        </Field>
        <datalist id={listId}>
          {(sample.data?.profiles ?? []).map((profile) => (
            <option key={profile.id} value={profile.id}>
              {profile.identities.find((identity) => identity.type === 'email')?.value ?? profile.identities[0]?.value ?? profile.id}
            </option>
          ))}
        </datalist>
        <Field label={t('assumeEvents')}>{(props) => <input {...props} value={assume} placeholder="Order Completed" onChange={(event) => setAssume(event.target.value)} />}</Field>
        <Button type="submit" variant="secondary" busy={run.isPending}>
          {t('run')}
        </Button>
      </form>
      {profileError === undefined ? <ErrorNotice error={run.error} /> : null}
      {run.data === undefined ? null : run.data.steps.length === 0 ? (
        <p>{t('noSteps')}</p>
      ) : (
        <ol className="journeys-dry-steps">
          {run.data.steps.map((step, index) => (
            <li key={index}>
              <button type="button" className="journeys-link" onClick={() => onSelect(step.nodeId)}>
                {step.nodeId}
              </button>{' '}
              <span className="muted">{format.dateTime(step.at)}</span> — {step.detail}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

function Versions({ journey, onLoad, disabled }: { journey: Journey; onLoad: (definition: JourneyDefinition, version: number) => void; disabled: boolean }) {
  const t = useT(journeyMessages);
  const [version, setVersion] = useState(journey.version);
  const older = useQuery({
    queryKey: ['journeys', journey.id, 'version', version],
    queryFn: () => api.get<Journey>('/api/v1/journeys/{id}', { params: { id: journey.id }, query: { version } }),
    enabled: version !== journey.version,
  });
  useEffect(() => setVersion(journey.version), [journey.version]);
  const versions = Array.from({ length: journey.version }, (_, index) => journey.version - index);
  return (
    <Card title={t('versions')}>
      <Select
        label={t('version')}
        field=""
        issues={undefined}
        disabled={false}
        value={String(version)}
        options={versions.map((n) => ({ value: String(n), label: t('versionN', { n }) }))}
        onChange={(value) => setVersion(Number(value))}
      />
      {version === journey.version ? null : older.data === undefined ? (
        <Loading />
      ) : (
        <Button
          disabled={disabled}
          onClick={() => {
            if (older.data !== undefined) onLoad(older.data.definition, version);
          }}
        >
          {t('showVersion')}
        </Button>
      )}
    </Card>
  );
}

/** A condition in a few words for its card: the leaf's event, key or segment; groups as their children joined by AND / OR; NOT in front. */
function conditionSummary(condition: Condition): string {
  const children = Array.isArray(condition.conditions) ? (condition.conditions as Condition[]) : [];
  if (condition.type === 'and' || condition.type === 'or') return children.map(conditionSummary).join(condition.type === 'and' ? ' AND ' : ' OR ');
  if (condition.type === 'not' && typeof condition.condition === 'object' && condition.condition !== null) return `NOT ${conditionSummary(condition.condition as Condition)}`;
  return String(condition.event ?? condition.key ?? condition.segmentId ?? condition.channel ?? condition.type);
}
