import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { api, ApiError, downloadText } from '../../api/client';
import { useTopicLabel } from '../../i18n/consent-topics';
import { useFormat, useT, type Format } from '../../i18n/i18n';
import { useLive } from '../../live/use-live';
import { dayStart } from '../../ui/days';
import { canEdit, useSession } from '../../shell/session';
import { Badge, Button, Card, DataTable, Empty, ErrorNotice, Field, Loading, Page, Stat, type Column } from '../../ui/ui';
import { profilesMessages } from './messages';
import { profileRoute, profilesRoute, TIMELINE_TYPES, type TimelineSearch } from './routes';
import './profiles.css';

type K = keyof (typeof profilesMessages)['en'];

interface ChannelConsent {
  status: 'subscribed' | 'unsubscribed' | 'unknown';
  at: string | null;
  source: string | null;
}
interface Profile {
  id: string;
  mergedFrom: string[];
  identities: { type: string; value: string }[];
  traits: Record<string, unknown>;
  consent: { email?: ChannelConsent; sms?: ChannelConsent; push?: ChannelConsent };
  reachable: Record<string, boolean>;
  computed: Record<string, unknown>;
  scores: Record<string, number | string | boolean | null>;
  createdAt: string;
  updatedAt: string;
}
interface TimelineEvent {
  messageId?: string;
  type?: string;
  event?: string;
  name?: string;
  timestamp?: string;
  receivedAt?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  partition: number;
  seq: number;
}
interface TimelinePage {
  events: TimelineEvent[];
  nextCursor: string | null;
}

const SEARCH_TYPES = ['any', 'email', 'phone', 'user_id', 'anonymous_id', 'profile', 'trait'] as const;
type SearchType = (typeof SEARCH_TYPES)[number];

export function displayName(profile: Profile): string {
  const first = profile.traits.firstName ?? profile.traits.first_name;
  const last = profile.traits.lastName ?? profile.traits.last_name;
  const name = [first, last].filter((part) => typeof part === 'string' && part !== '').join(' ');
  return name !== '' ? name : (emailOf(profile) ?? profile.id);
}

function emailOf(profile: Profile): string | undefined {
  return typeof profile.traits.email === 'string' ? profile.traits.email : profile.identities.find((identity) => identity.type === 'email')?.value;
}

const numberOf = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);

/** Every profile an identifier or a trait value points to, deduplicated. */
async function searchProfiles(type: SearchType, query: string, traitKey: string): Promise<Profile[]> {
  const value = query.trim();
  if (value === '') return [];
  const found = new Map<string, Profile>();
  const lookup = (identifier: string) =>
    api
      .get<Profile>('/api/v1/profiles/lookup', { query: { type: identifier, value } })
      .then((profile) => found.set(profile.id, profile))
      .catch((error: unknown) => {
        if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 400)) throw error;
      });
  const byId = () =>
    api
      .get<Profile>('/api/v1/profiles/{id}', { params: { id: value } })
      .then((profile) => found.set(profile.id, profile))
      .catch((error: unknown) => {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
      });
  const byTrait = async (keys: string[]) => {
    const condition = { type: 'or', conditions: keys.map((key) => ({ type: 'trait', key, op: 'contains', value })) };
    const estimate = await api.post<{ sample: string[] }>('/api/v1/segments/estimate', { body: { condition, sampleSize: 25, scan: 100_000 } });
    const profiles = await Promise.all(estimate.sample.map((id) => api.get<Profile>('/api/v1/profiles/{id}', { params: { id } }).catch(() => undefined)));
    for (const profile of profiles) if (profile !== undefined) found.set(profile.id, profile);
  };
  if (type === 'trait') await byTrait([traitKey.trim() === '' ? 'email' : traitKey.trim()]);
  else if (type === 'profile') await byId();
  else if (type !== 'any') await lookup(type);
  else {
    await Promise.all([lookup('email'), lookup('phone'), lookup('user_id'), lookup('anonymous_id'), byId()]);
    // Nothing by exact identifier: a part of a name or an email.
    if (found.size === 0) await byTrait(['email', 'firstName', 'lastName', 'phone', 'first_name', 'last_name', 'name']);
  }
  return [...found.values()];
}

function profileColumns(t: (key: K) => string, format: Format): Column<Profile>[] {
  return [
    {
      key: 'name',
      header: t('name'),
      cell: (row) => (
        <Link to="/profiles/$id" params={{ id: row.id }}>
          {displayName(row)}
        </Link>
      ),
      csv: (row) => displayName(row),
    },
    { key: 'email', header: t('email'), cell: (row) => emailOf(row) ?? '—', csv: (row) => emailOf(row) ?? '' },
    { key: 'orders', header: t('orders'), numeric: true, cell: (row) => format.number(numberOf(row.computed.orders)), csv: (row) => numberOf(row.computed.orders) },
    { key: 'revenue', header: t('revenue'), numeric: true, cell: (row) => format.money(numberOf(row.computed.revenue)), csv: (row) => numberOf(row.computed.revenue) },
    {
      key: 'lastSeen',
      header: t('lastSeen'),
      cell: (row) => (typeof row.computed.lastSeenAt === 'string' ? format.relative(row.computed.lastSeenAt) : '—'),
      csv: (row) => (typeof row.computed.lastSeenAt === 'string' ? row.computed.lastSeenAt : ''),
    },
  ];
}

export function ProfilesScreen() {
  const t = useT(profilesMessages);
  const format = useFormat();
  const navigate = useNavigate();
  const { q = '', by = 'any', key = '' } = profilesRoute.useSearch();
  const [query, setQuery] = useState(q);
  const [type, setType] = useState<SearchType>(by);
  const [traitKey, setTraitKey] = useState(key);
  const [cursors, setCursors] = useState<string[]>(['']);
  const results = useQuery({ queryKey: ['profile-search', by, q, key], enabled: q !== '', queryFn: () => searchProfiles(by, q, key) });
  const list = useQuery({
    queryKey: ['profiles', cursors],
    enabled: q === '',
    queryFn: async () => {
      const all: Profile[] = [];
      let next: string | null = null;
      for (const cursor of cursors) {
        const page = await api.get<{ profiles: Profile[]; nextCursor: string | null }>('/api/v1/profiles', { query: { limit: 50, ...(cursor === '' ? {} : { cursor }) } });
        all.push(...page.profiles);
        next = page.nextCursor;
      }
      return { profiles: all, nextCursor: next };
    },
  });
  const columns = profileColumns(t, format);
  return (
    <Page title={t('title')} description={t('description')}>
      <Card title={t('search')}>
        <form
          className="prof-search"
          role="search"
          onSubmit={(event) => {
            event.preventDefault();
            void navigate({
              to: '/profiles',
              search: { ...(query.trim() === '' ? {} : { q: query.trim() }), ...(type === 'any' ? {} : { by: type }), ...(type === 'trait' && traitKey !== '' ? { key: traitKey } : {}) },
            });
          }}
        >
          <Field label={t('searchBy')}>
            {(props) => (
              <select {...props} value={type} onChange={(event) => setType(event.target.value as SearchType)}>
                {SEARCH_TYPES.map((entry) => (
                  <option key={entry} value={entry}>
                    {t(`by_${entry}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {type === 'trait' ? (
            <Field label={t('traitKey')} hint={t('traitKeyHint')}>
              {(props) => <input {...props} value={traitKey} onChange={(event) => setTraitKey(event.target.value)} />}
            </Field>
          ) : null}
          <Field label={t('searchLabel')}>{(props) => <input {...props} type="search" value={query} onChange={(event) => setQuery(event.target.value)} />}</Field>
          <Button type="submit" variant="primary">
            {t('searchButton')}
          </Button>
        </form>
      </Card>
      {q === '' ? null : (
        <Card title={t('results')}>
          {results.isPending ? <Loading /> : null}
          <ErrorNotice error={results.error} onRetry={() => void results.refetch()} />
          {results.data === undefined ? null : <DataTable caption={t('results')} columns={columns} rows={results.data} rowKey={(row) => row.id} empty={t('noMatch', { query: q })} />}
        </Card>
      )}
      {q !== '' ? null : (
        <Card title={t('back')}>
          {list.isPending ? <Loading /> : null}
          <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />
          {list.data === undefined ? null : (
            <>
              <DataTable caption={t('back')} columns={columns} rows={list.data.profiles} rowKey={(row) => row.id} csvName="customers" />
              {list.data.nextCursor === null ? null : <Button onClick={() => setCursors((previous) => [...previous, list.data.nextCursor ?? ''])}>{t('loadMore')}</Button>}
            </>
          )}
        </Card>
      )}
    </Page>
  );
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Nested traits as dotted rows: `address.city`. */
function flatten(record: Record<string, unknown>, prefix = '', into: [string, unknown][] = []): [string, unknown][] {
  for (const [key, value] of Object.entries(record)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) flatten(value as Record<string, unknown>, path, into);
    else into.push([path, value]);
  }
  return into;
}

function scoreMeaning(key: string): K {
  if (key.startsWith('propensity_')) return 'score_propensity';
  const known = `score_${key}`;
  return known in profilesMessages.en ? (known as K) : 'score_other';
}

function scoreValue(format: Format, key: string, value: unknown): string {
  if (typeof value === 'number') {
    if (key === 'predicted_clv') return format.money(value);
    if (key === 'churn_risk' || key === 'p_alive' || key.startsWith('propensity_')) return format.percent(value);
    return format.number(value, 2);
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return format.date(value);
  return valueText(value);
}

function Identities({ id }: { id: string }) {
  const t = useT(profilesMessages);
  const format = useFormat();
  const merges = useQuery({
    queryKey: ['profile-merges', id],
    queryFn: () =>
      api.get<{
        identities: { type: string; value: string; addedAt: string; messageId: string | null }[];
        merges: { from: string; into: string; reason: string; identifier: { type: string; value: string }; at: string }[];
      }>('/api/v1/profiles/{id}/merges', { params: { id } }),
  });
  return (
    <Card title={t('identities')}>
      <p className="muted small">{t('identitiesHint')}</p>
      {merges.isPending ? <Loading /> : null}
      <ErrorNotice error={merges.error} />
      {merges.data === undefined ? null : (
        <>
          <ul className="prof-list">
            {merges.data.identities.map((identity) => (
              <li key={`${identity.type}:${identity.value}`}>
                <Badge>{identity.type}</Badge> <span className="prof-break">{identity.value}</span>{' '}
                <span className="muted small">
                  · {t('added')} {format.dateTime(identity.addedAt)}
                </span>
              </li>
            ))}
          </ul>
          {merges.data.merges.length === 0 ? (
            <p className="muted small">{t('noMerges')}</p>
          ) : (
            <ul className="prof-list">
              {merges.data.merges.map((merge) => (
                <li key={`${merge.from}:${merge.at}`}>
                  {t('merged', { from: merge.from, at: format.dateTime(merge.at), type: merge.identifier.type, value: merge.identifier.value, reason: merge.reason })}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Card>
  );
}

interface ConsentTopic {
  key: string;
  label: string;
  builtIn: boolean;
  updatedAt: string | null;
}

/** Consent per topic and channel: a topic without a choice follows the channel; editors set it here (analysts read it). */
function TopicConsent({ id }: { id: string }) {
  const t = useT(profilesMessages);
  const labelOf = useTopicLabel();
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const client = useQueryClient();
  const channels = ['email', 'sms', 'push'] as const;
  const topics = useQuery({ queryKey: ['consent-topics'], queryFn: () => api.get<{ topics: ConsentTopic[] }>('/api/v1/consent/topics') });
  const consent = useQuery({ queryKey: ['profile-consent', id], queryFn: () => api.get<{ preferences: Record<string, Record<string, string>> }>('/api/v1/profiles/{id}/consent', { params: { id } }) });
  const set = useMutation({
    mutationFn: (change: { channel: string; topic: string; status: string }) => api.post('/api/v1/profiles/{id}/consent', { params: { id }, body: { ...change, source: 'dashboard' } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['profile-consent', id] }),
  });
  const statusOf = (channel: string, topic: string) => new Map(Object.entries(consent.data?.preferences[channel] ?? {})).get(topic);
  return (
    <>
      <h3 className="prof-subhead">{t('topics')}</h3>
      <p className="muted small">{t('topicsHint')}</p>
      {topics.isPending || consent.isPending ? <Loading /> : null}
      <ErrorNotice error={topics.error ?? consent.error ?? set.error} />
      {topics.data === undefined || consent.data === undefined ? null : (
        <table className="prof-table">
          <caption className="visually-hidden">{t('topics')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('topic')}</th>
              {channels.map((channel) => (
                <th scope="col" key={channel}>
                  {channel}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {topics.data.topics.map((topic) => (
              <tr key={topic.key}>
                <th scope="row">{labelOf(topic)}</th>
                {channels.map((channel) => {
                  const status = statusOf(channel, topic.key);
                  return (
                    <td key={channel}>
                      {editable ? (
                        <select
                          aria-label={`${labelOf(topic)} · ${channel}`}
                          value={status ?? ''}
                          disabled={set.isPending}
                          onChange={(event) => set.mutate({ channel, topic: topic.key, status: event.target.value })}
                        >
                          {status === undefined ? <option value="">{t('followsChannel')}</option> : null}
                          <option value="subscribed">{t('subscribed')}</option>
                          <option value="unsubscribed">{t('unsubscribed')}</option>
                        </select>
                      ) : (
                        <Badge tone={status === 'unsubscribed' ? 'bad' : status === 'subscribed' ? 'good' : 'neutral'}>
                          {status === undefined ? t('followsChannel') : status === 'unsubscribed' ? t('unsubscribed') : t('subscribed')}
                        </Badge>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Consent({ profile }: { profile: Profile }) {
  const t = useT(profilesMessages);
  const format = useFormat();
  const channels = ['email', 'sms', 'push'] as const;
  return (
    <Card title={t('consent')}>
      <table className="prof-table">
        <caption className="visually-hidden">{t('consent')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('channel')}</th>
            <th scope="col">{t('state')}</th>
            <th scope="col">{t('reachable')}</th>
            <th scope="col">{t('source')}</th>
          </tr>
        </thead>
        <tbody>
          {channels.map((channel) => {
            const consent = profile.consent[channel];
            return (
              <tr key={channel}>
                <th scope="row">{channel}</th>
                <td>
                  <Badge tone={consent?.status === 'subscribed' ? 'good' : consent?.status === 'unsubscribed' ? 'bad' : 'neutral'}>{consent?.status ?? 'unknown'}</Badge>
                </td>
                <td>{profile.reachable[channel] === true ? t('yes') : t('no')}</td>
                <td className="small">
                  {consent?.source ?? '—'}
                  {consent?.at === null || consent?.at === undefined ? '' : ` · ${format.date(consent.at)}`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <TopicConsent id={profile.id} />
    </Card>
  );
}

function Scores({ profile }: { profile: Profile }) {
  const t = useT(profilesMessages);
  const format = useFormat();
  const entries = Object.entries(profile.scores);
  return (
    <Card title={t('scores')}>
      {entries.length === 0 ? (
        <Empty>{t('scoresEmpty')}</Empty>
      ) : (
        <dl className="prof-scores">
          {entries.map(([key, value]) => (
            <div key={key} className="prof-score">
              <dt>
                <code className="code">{key}</code>
              </dt>
              <dd>
                <strong>{scoreValue(format, key, value)}</strong>
                <span className="muted small">{t(scoreMeaning(key))}</span>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </Card>
  );
}

function Activity({ profile }: { profile: Profile }) {
  const t = useT(profilesMessages);
  const format = useFormat();
  const c = profile.computed;
  const cart = c.openCart as { value?: number } | null | undefined;
  const date = (value: unknown) => (typeof value === 'string' ? format.date(value) : '—');
  return (
    <div className="grid stats">
      <Stat label={t('c_orders')} value={format.number(numberOf(c.orders))} />
      <Stat label={t('c_revenue')} value={format.money(numberOf(c.revenue))} />
      <Stat label={t('c_averageOrderValue')} value={format.money(numberOf(c.averageOrderValue))} />
      <Stat label={t('c_sessions')} value={format.number(numberOf(c.sessions))} />
      <Stat label={t('c_pageViews')} value={format.number(numberOf(c.pageViews))} />
      <Stat label={t('c_openCartValue')} value={cart === null || cart === undefined ? '—' : format.money(numberOf(cart.value))} />
      <Stat label={t('c_lastOrderAt')} value={date(c.lastOrderAt)} />
      <Stat label={t('c_lastSeenAt')} value={date(c.lastSeenAt)} detail={`${t('c_firstSeenAt')}: ${date(c.firstSeenAt)}`} />
    </div>
  );
}

function Memberships({ id }: { id: string }) {
  const t = useT(profilesMessages);
  const format = useFormat();
  const memberships = useQuery({
    queryKey: ['profile-segments', id],
    queryFn: () =>
      api.get<{ segments: { segmentId: string; name: string; enteredAt: string }[]; history: { segmentId: string; kind: 'entered' | 'exited'; at: string }[] }>('/api/v1/profiles/{id}/segments', {
        params: { id },
      }),
  });
  const names = new Map((memberships.data?.segments ?? []).map((segment) => [segment.segmentId, segment.name]));
  return (
    <Card title={t('segments')}>
      {memberships.isPending ? <Loading /> : null}
      <ErrorNotice error={memberships.error} />
      {memberships.data === undefined ? null : memberships.data.segments.length === 0 ? (
        <Empty>{t('segmentsEmpty')}</Empty>
      ) : (
        <ul className="prof-list">
          {memberships.data.segments.map((segment) => (
            <li key={segment.segmentId}>
              <Link to="/segments/$id" params={{ id: segment.segmentId }}>
                {segment.name}
              </Link>{' '}
              <span className="muted small">{t('since', { at: format.date(segment.enteredAt) })}</span>
            </li>
          ))}
        </ul>
      )}
      {memberships.data === undefined || memberships.data.history.length === 0 ? null : (
        <details>
          <summary>{t('history')}</summary>
          <ul className="prof-list small">
            {memberships.data.history.slice(0, 50).map((entry, index) => (
              <li key={index}>
                <Badge tone={entry.kind === 'entered' ? 'good' : 'neutral'}>{t(entry.kind)}</Badge>{' '}
                <Link to="/segments/$id" params={{ id: entry.segmentId }}>
                  {names.get(entry.segmentId) ?? entry.segmentId}
                </Link>{' '}
                · {format.dateTime(entry.at)}
              </li>
            ))}
          </ul>
        </details>
      )}
    </Card>
  );
}

interface Run {
  id: string;
  profileId: string;
  status: string;
  nodeId: string;
  step: number;
  wakeAt: string | null;
  enteredAt: string;
}

function Journeys({ id }: { id: string }) {
  const t = useT(profilesMessages);
  const format = useFormat();
  // One indexed read of this profile's runs, whatever the number of journeys.
  const runs = useQuery({
    queryKey: ['profile-journeys', id],
    queryFn: async () => (await api.get<{ runs: (Run & { journeyId: string; journeyName: string })[] }>('/api/v1/profiles/{id}/journeys', { params: { id } })).runs,
  });
  return (
    <Card title={t('journeys')}>
      {runs.isPending ? <Loading /> : null}
      <ErrorNotice error={runs.error} />
      {runs.data === undefined ? null : runs.data.length === 0 ? (
        <Empty>{t('journeysEmpty')}</Empty>
      ) : (
        <ul className="prof-list">
          {runs.data.map((run) => (
            <li key={run.id}>
              <Link to="/journeys/$id" params={{ id: run.journeyId }}>
                <strong>{run.journeyName}</strong>
              </Link>{' '}
              · {t('step')} {run.step} <code className="code">{run.nodeId}</code>
              {run.wakeAt === null ? null : (
                <span className="muted small">
                  {' '}
                  · {t('waitingUntil')}: {format.dateTime(run.wakeAt)}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

interface Message {
  id: string;
  channel: string;
  templateId: string;
  status: string;
  createdAt: string;
  sentAt: string | null;
  openedAt: string | null;
  clickedAt: string | null;
}

function Messages({ id }: { id: string }) {
  const t = useT(profilesMessages);
  const format = useFormat();
  const messages = useQuery({ queryKey: ['profile-messages', id], queryFn: () => api.get<{ messages: Message[] }>('/api/v1/messages', { query: { profileId: id, limit: 50 } }) });
  const when = (value: string | null) => (value === null ? '—' : format.dateTime(value));
  const columns: Column<Message>[] = [
    { key: 'template', header: t('template'), cell: (row) => `${row.channel} · ${row.templateId}` },
    {
      key: 'status',
      header: t('status'),
      cell: (row) => <Badge tone={row.status === 'failed' || row.status === 'bounced' ? 'bad' : row.status === 'suppressed' ? 'warn' : 'neutral'}>{row.status}</Badge>,
      csv: (row) => row.status,
    },
    { key: 'sent', header: t('sent'), cell: (row) => when(row.sentAt ?? row.createdAt), csv: (row) => row.sentAt ?? row.createdAt },
    { key: 'opened', header: t('opened'), cell: (row) => when(row.openedAt), csv: (row) => row.openedAt ?? '' },
    { key: 'clicked', header: t('clicked'), cell: (row) => when(row.clickedAt), csv: (row) => row.clickedAt ?? '' },
  ];
  return (
    <Card title={t('messages')}>
      {messages.isPending ? <Loading /> : null}
      <ErrorNotice error={messages.error} />
      {messages.data === undefined ? null : (
        <DataTable caption={t('messages')} columns={columns} rows={messages.data.messages} rowKey={(row) => row.id} csvName={`messages-${id}`} empty={t('messagesEmpty')} />
      )}
    </Card>
  );
}

function eventName(event: TimelineEvent): string {
  if (event.type === 'track') return event.event ?? 'track';
  if (event.type === 'page' || event.type === 'screen') return event.name === undefined ? (event.type ?? '') : `${event.type}: ${event.name}`;
  return event.type ?? '';
}

function eventDetails(event: TimelineEvent): string {
  const body = event.properties ?? event.traits;
  if (body === undefined) return '';
  const text = Object.entries(body)
    .filter(([, value]) => value !== null && typeof value !== 'object')
    .slice(0, 5)
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(' · ');
  return text;
}

/** The server's filter for the URL's: the days are inclusive, so `to` ends after its day. */
function timelineQuery(search: TimelineSearch): Record<string, string> {
  return {
    ...(search.type === undefined ? {} : { type: search.type }),
    ...(search.event === undefined ? {} : { event: search.event }),
    ...(search.from === undefined ? {} : { from: dayStart(search.from) }),
    ...(search.to === undefined ? {} : { to: dayStart(search.to, true) }),
  };
}

function Timeline({ id }: { id: string }) {
  const t = useT(profilesMessages);
  const navigate = useNavigate();
  const search = profileRoute.useSearch();
  const names = useQuery({ queryKey: ['event-names'], queryFn: () => api.get<{ names: { type: string; event: string; count: number }[] }>('/api/v1/events/names', { query: { limit: 500 } }) });
  const trackNames = [...new Set((names.data?.names ?? []).filter((name) => name.type === 'track').map((name) => name.event))].sort();
  const set = (change: Partial<Record<keyof TimelineSearch, string>>) => {
    const next: Record<string, string | undefined> = { ...search, ...change };
    // A track event name implies the track type (the server reads the name alone); a type drops the name.
    if ('event' in change) next.type = undefined;
    if ('type' in change) next.event = undefined;
    const clean = Object.fromEntries(Object.entries(next).filter(([, value]) => typeof value === 'string' && value !== ''));
    void navigate({ to: '/profiles/$id', params: { id }, search: clean, replace: true });
  };
  const filtered = search.type !== undefined || search.event !== undefined || search.from !== undefined || search.to !== undefined;
  return (
    <Card title={t('timeline')} actions={filtered ? <Button onClick={() => void navigate({ to: '/profiles/$id', params: { id }, search: {}, replace: true })}>{t('clearFilter')}</Button> : null}>
      <div className="prof-timeline-tools">
        <Field label={t('filterType')}>
          {(props) => (
            <select {...props} value={search.event === undefined ? (search.type ?? '') : 'track'} onChange={(event) => set({ type: event.target.value })}>
              <option value="">{t('allTypes')}</option>
              {TIMELINE_TYPES.map((type) => (
                <option key={type} value={type}>
                  {t(`type_${type}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('filterEvents')}>
          {(props) => (
            <select {...props} value={search.event ?? ''} onChange={(event) => set({ event: event.target.value })}>
              <option value="">{t('allEvents')}</option>
              {[...new Set([...trackNames, ...(search.event === undefined ? [] : [search.event])])].map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('fromDay')}>{(props) => <input {...props} type="date" value={search.from ?? ''} max={search.to} onChange={(event) => set({ from: event.target.value })} />}</Field>
        <Field label={t('toDay')}>{(props) => <input {...props} type="date" value={search.to ?? ''} min={search.from} onChange={(event) => set({ to: event.target.value })} />}</Field>
      </div>
      {/* Keyed by the filter: a new filter starts again from its newest page. */}
      {search.from !== undefined && search.to !== undefined && search.from > search.to ? (
        <p className="error-text" role="alert">
          {t('rangeReversed')}
        </p>
      ) : (
        <TimelineEvents key={JSON.stringify(search)} id={id} query={timelineQuery(search)} />
      )}
    </Card>
  );
}

function TimelineEvents({ id, query }: { id: string; query: Record<string, string> }) {
  const t = useT(profilesMessages);
  const format = useFormat();
  const live = useLive<TimelinePage & { updatedAt: string | null }>('/api/v1/profiles/{id}/live', { id }, query);
  const [older, setOlder] = useState<TimelineEvent[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const more = useMutation({
    mutationFn: (from: string) => api.get<TimelinePage>('/api/v1/profiles/{id}/events', { params: { id }, query: { ...query, limit: 50, cursor: from } }),
    onSuccess: (page) => {
      setOlder((previous) => [...previous, ...page.events]);
      setCursor(page.nextCursor);
    },
  });
  const firstPage = live.data?.events ?? [];
  const seen = new Set(firstPage.map((event) => `${event.partition}:${event.seq}`));
  const events = [...firstPage, ...older.filter((event) => !seen.has(`${event.partition}:${event.seq}`))];
  const next = cursor === undefined ? (live.data?.nextCursor ?? null) : cursor;
  return (
    <>
      <p className="muted small">
        <span className={`prof-dot ${live.connected ? 'on' : ''}`} aria-hidden="true" /> {t('timelineLive')}
      </p>
      {live.data === undefined ? <Loading /> : null}
      {live.data !== undefined && events.length === 0 ? <Empty>{Object.keys(query).length === 0 ? t('timelineEmpty') : t('timelineNoMatch')}</Empty> : null}
      <ol className="prof-timeline" aria-live="polite" aria-relevant="additions">
        {events.map((event) => (
          <li key={`${event.partition}:${event.seq}`}>
            <time dateTime={event.timestamp}>{event.timestamp === undefined ? '—' : format.dateTime(event.timestamp)}</time>
            <strong>{eventName(event)}</strong>
            <span className="muted small prof-break">{eventDetails(event)}</span>
          </li>
        ))}
      </ol>
      <ErrorNotice error={more.error} />
      {next === null ? null : (
        <Button busy={more.isPending} onClick={() => more.mutate(next)}>
          {t('olderEvents')}
        </Button>
      )}
    </>
  );
}

interface Job {
  id: string;
  status: 'running' | 'done' | 'failed';
  error: string | null;
}

async function untilDone(id: string): Promise<Job> {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const job = await api.get<Job>('/api/v1/privacy/jobs/{id}', { params: { id } });
    if (job.status !== 'running') return job;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the job is still running; see Settings → audit log');
}

function Privacy({ profile }: { profile: Profile }) {
  const t = useT(profilesMessages);
  const navigate = useNavigate();
  const [asking, setAsking] = useState(false);
  const [typed, setTyped] = useState('');
  const dialog = useRef<HTMLDialogElement>(null);
  const word = t('eraseWord');
  const exportData = useMutation({
    mutationFn: async () => {
      const job = await untilDone((await api.post<Job>('/api/v1/privacy/exports', { body: { profileId: profile.id, reason: 'dashboard export' } })).id);
      if (job.status === 'failed') throw new Error(job.error ?? 'export failed');
      const document = await api.get<unknown>('/api/v1/privacy/jobs/{id}/document', { params: { id: job.id } });
      downloadText(`profile-${profile.id}.json`, JSON.stringify(document, null, 2), 'application/json');
    },
  });
  const erase = useMutation({
    mutationFn: async () => {
      const job = await untilDone((await api.post<Job>('/api/v1/privacy/erasures', { body: { profileId: profile.id, reason: 'dashboard erasure' } })).id);
      if (job.status === 'failed') throw new Error(job.error ?? 'erasure failed');
    },
    onSuccess: () => void navigate({ to: '/profiles' }),
  });
  useEffect(() => {
    const element = dialog.current;
    if (element === null) return;
    if (asking && !element.open) element.showModal();
    if (!asking && element.open) element.close();
  }, [asking]);
  return (
    <Card title={t('privacy')}>
      <div className="prof-actions">
        <Button busy={exportData.isPending} onClick={() => exportData.mutate()}>
          {exportData.isPending ? t('exporting') : t('export')}
        </Button>
        <Button variant="danger" onClick={() => setAsking(true)}>
          {t('erase')}
        </Button>
      </div>
      <ErrorNotice error={exportData.error} />
      <dialog ref={dialog} className="dialog" aria-labelledby="erase-title" onClose={() => setAsking(false)}>
        <h2 id="erase-title">{t('eraseTitle')}</h2>
        <p>{t('eraseBody', { word })}</p>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (typed === word) erase.mutate();
          }}
        >
          <Field label={t('eraseConfirmLabel', { word })}>{(props) => <input {...props} value={typed} autoComplete="off" onChange={(event) => setTyped(event.target.value)} />}</Field>
          <ErrorNotice error={erase.error} />
          <div className="prof-actions">
            <Button type="submit" variant="danger" disabled={typed !== word} busy={erase.isPending}>
              {t('eraseConfirm')}
            </Button>
            <Button onClick={() => setAsking(false)}>{t('cancel')}</Button>
          </div>
        </form>
      </dialog>
    </Card>
  );
}

export function ProfileScreen() {
  const t = useT(profilesMessages);
  const { id } = profileRoute.useParams();
  const { me } = useSession();
  const profile = useQuery({ queryKey: ['profile', id], queryFn: () => api.get<Profile>('/api/v1/profiles/{id}', { params: { id } }) });
  if (profile.isPending) return <Loading />;
  if (profile.data === undefined)
    return (
      <Page title={t('title')} description={<Link to="/profiles">← {t('back')}</Link>}>
        {profile.error instanceof ApiError && profile.error.status === 404 ? <Empty>{t('notFound')}</Empty> : <ErrorNotice error={profile.error} onRetry={() => void profile.refetch()} />}
      </Page>
    );
  const current = profile.data;
  const traits = flatten(current.traits);
  return (
    <Page
      title={displayName(current)}
      description={
        <>
          <Link to="/profiles">← {t('back')}</Link> · <code className="code">{current.id}</code>
          {emailOf(current) === undefined ? null : <> · {emailOf(current)}</>}
        </>
      }
    >
      <Activity profile={current} />
      <div className="prof-grid">
        <div className="prof-col">
          <Scores profile={current} />
          <Timeline id={current.id} />
          <Messages id={current.id} />
        </div>
        <div className="prof-col">
          <Identities id={current.id} />
          <Card title={t('traits')}>
            <table className="prof-table">
              <caption className="visually-hidden">{t('traits')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('trait')}</th>
                  <th scope="col">{t('value')}</th>
                </tr>
              </thead>
              <tbody>
                {traits.map(([key, value]) => (
                  <tr key={key}>
                    <th scope="row">
                      <code className="code">{key}</code>
                    </th>
                    <td className="prof-break">{valueText(value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
          <Consent profile={current} />
          <Memberships id={current.id} />
          <Journeys id={current.id} />
          {canEdit(me?.role) ? <Privacy profile={current} /> : null}
        </div>
      </div>
    </Page>
  );
}
