import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { api } from '../../api/client';
import { defineMessages, useFormat, useT } from '../../i18n/i18n';
import { useLive } from '../../live/use-live';
import { canEdit, useSession } from '../../shell/session';
import { Badge, Button, Card, DataTable, Empty, ErrorNotice, Loading, Page, Stat } from '../../ui/ui';
import { kpiChange, kpiLabel, kpiMessages, kpiReference, kpiStatus, kpiTone, kpiValue, type KpiReport } from '../analytics/kpi-text';
import { maturityMessages, criterionText, stageName, type Maturity } from './maturity-text';
import './home.css';

const messages = defineMessages({
  en: {
    title: 'Home',
    description: 'The last 30 days against the 30 before and the benchmarks shops are judged by.',
    kpis: 'Key figures',
    benchmark: 'Benchmark: {reference}',
    live: 'Right now',
    connected: 'Live',
    reconnecting: 'Reconnecting…',
    eventsToday: 'Events today',
    profiles: 'Profiles',
    liveJourneys: 'Live journeys',
    liveCampaigns: 'Live on-site campaigns',
    failingNow: 'Failing',
    revenue: 'Revenue Rapport brought',
    messagesRevenue: 'From Rapport messages',
    onsiteRevenue: 'From on-site campaigns',
    shareOfTotal: '{share} of {total} in the period',
    orders: '{orders} orders',
    topMessages: 'Revenue by message',
    message: 'Message',
    revenueColumn: 'Revenue',
    ordersColumn: 'Orders',
    maturity: 'Digital maturity',
    stage: 'Stage: {stage}',
    nextStage: 'Next: {stage}',
    topStage: 'The highest stage',
    nextSteps: 'Next steps',
    allCriteria: 'All criteria',
    met: 'Done',
    notMet: 'To do',
    journeys: 'Live journeys',
    campaigns: 'Live on-site campaigns',
    noJourneys: 'No journey is live. Start one from a recipe in Journeys.',
    noCampaigns: 'No on-site campaign is live.',
    failing: 'Anything failing',
    nothingFailing: 'Nothing is failing.',
    deadJobs: 'Dead jobs',
    retry: 'Retry',
    retryJob: 'Retry {job}',
    retried: 'Queued again',
    failedSends: 'Failed sends',
    rejected: 'Events set aside at ingest',
    job: 'Job',
    reason: 'Reason',
    when: 'When',
    channel: 'Channel',
    profile: 'Profile',
    code: 'Code',
    openMessages: 'Open the message log',
    allRejected: 'All set-aside events (JSON)',
    analytics: 'Open analytics',
  },
  ar: {
    title: 'الرئيسية',
    description: 'آخر 30 يومًا مقارنةً بالثلاثين التي قبلها وبالمعايير التي تُقاس بها المتاجر.',
    kpis: 'الأرقام الرئيسية',
    benchmark: 'المعيار: {reference}',
    live: 'الآن',
    connected: 'مباشر',
    reconnecting: 'جارٍ إعادة الاتصال…',
    eventsToday: 'أحداث اليوم',
    profiles: 'الملفات الشخصية',
    liveJourneys: 'رحلات نشطة',
    liveCampaigns: 'حملات نشطة في الموقع',
    failingNow: 'إخفاقات',
    revenue: 'الإيراد الذي جلبه Rapport',
    messagesRevenue: 'من رسائل Rapport',
    onsiteRevenue: 'من حملات الموقع',
    shareOfTotal: '{share} من {total} في الفترة',
    orders: '{orders} طلبات',
    topMessages: 'الإيراد حسب الرسالة',
    message: 'الرسالة',
    revenueColumn: 'الإيراد',
    ordersColumn: 'الطلبات',
    maturity: 'النضج الرقمي',
    stage: 'المرحلة: {stage}',
    nextStage: 'التالية: {stage}',
    topStage: 'أعلى مرحلة',
    nextSteps: 'الخطوات التالية',
    allCriteria: 'كل المعايير',
    met: 'تم',
    notMet: 'مطلوب',
    journeys: 'الرحلات النشطة',
    campaigns: 'حملات الموقع النشطة',
    noJourneys: 'لا توجد رحلة نشطة. ابدأ واحدة من وصفة في الرحلات.',
    noCampaigns: 'لا توجد حملة نشطة في الموقع.',
    failing: 'ما يتعثر',
    nothingFailing: 'لا شيء يتعثر.',
    deadJobs: 'مهام متوقفة',
    retry: 'إعادة المحاولة',
    retryJob: 'إعادة محاولة {job}',
    retried: 'أُعيدت إلى الطابور',
    failedSends: 'إرسالات فاشلة',
    rejected: 'أحداث مستبعدة عند الاستقبال',
    job: 'المهمة',
    reason: 'السبب',
    when: 'الوقت',
    channel: 'القناة',
    profile: 'الملف',
    code: 'الرمز',
    openMessages: 'افتح سجل الرسائل',
    allRejected: 'كل الأحداث المستبعدة (JSON)',
    analytics: 'افتح التحليلات',
  },
  ja: {
    title: 'ホーム',
    description: '直近 30 日を前の 30 日およびショップの評価基準と比較します。',
    kpis: '主要指標',
    benchmark: '基準: {reference}',
    live: '現在',
    connected: 'ライブ',
    reconnecting: '再接続中…',
    eventsToday: '今日のイベント',
    profiles: 'プロフィール',
    liveJourneys: '稼働中のジャーニー',
    liveCampaigns: '稼働中のオンサイト施策',
    failingNow: '失敗',
    revenue: 'Rapport による売上',
    messagesRevenue: 'Rapport のメッセージから',
    onsiteRevenue: 'オンサイト施策から',
    shareOfTotal: '期間合計 {total} の {share}',
    orders: '{orders} 件の注文',
    topMessages: 'メッセージ別売上',
    message: 'メッセージ',
    revenueColumn: '売上',
    ordersColumn: '注文',
    maturity: 'デジタル成熟度',
    stage: 'ステージ: {stage}',
    nextStage: '次: {stage}',
    topStage: '最上位のステージ',
    nextSteps: '次のステップ',
    allCriteria: 'すべての基準',
    met: '達成',
    notMet: '未達成',
    journeys: '稼働中のジャーニー',
    campaigns: '稼働中のオンサイト施策',
    noJourneys: '稼働中のジャーニーはありません。ジャーニーのレシピから始めましょう。',
    noCampaigns: '稼働中のオンサイト施策はありません。',
    failing: '失敗しているもの',
    nothingFailing: '失敗はありません。',
    deadJobs: '停止したジョブ',
    retry: '再試行',
    retryJob: '{job} を再試行',
    retried: '再びキューに入りました',
    failedSends: '送信失敗',
    rejected: '取り込み時に除外されたイベント',
    job: 'ジョブ',
    reason: '理由',
    when: '日時',
    channel: 'チャネル',
    profile: 'プロフィール',
    code: 'コード',
    openMessages: 'メッセージログを開く',
    allRejected: '除外されたイベントすべて (JSON)',
    analytics: '分析を開く',
  },
});

interface LiveCounts {
  eventsToday: number;
  profiles: number;
  liveJourneys: number;
  liveCampaigns: number;
  deadJobs: number;
  failedSends: number;
  rejectedEvents: number;
}

interface Failing {
  counts: LiveCounts;
  deadJobs: { key: string; kind: string; reason: string | null; attempts: number; updatedAt: string }[];
  failedSends: { id: string; profileId: string; channel: string; templateId: string; reason: string | null; createdAt: string }[];
  rejectedEvents: { id: string; receivedAt: string; code: string; message: string }[];
}

interface Attribution {
  rows: { key: string; orders: number; revenue: number }[];
  totals: { orders: number; revenue: number };
}

interface OnsiteReport {
  campaigns: { campaignId: string; name: string; all: { revenue: number; conversions: number } }[];
}

interface JourneyItem {
  id: string;
  name: string;
  status: string;
  updatedAt: string;
}

interface CampaignItem {
  id: string;
  name: string;
  type: string;
  status: string;
}

/**
 * A link to another screen by its path (`/journeys/<id>`): the router moves there without a
 * reload; the path is data, so it is given as the router's untyped location.
 */
function ScreenLink({ href, children }: { href: string; children: ReactNode }) {
  return <Link to={href as '/'}>{children}</Link>;
}

function LiveCard() {
  const t = useT(messages);
  const format = useFormat();
  const { data, connected } = useLive<LiveCounts>('/api/v1/overview/live');
  const failing = data === undefined ? undefined : data.deadJobs + data.failedSends + data.rejectedEvents;
  return (
    <Card title={t('live')} actions={<Badge tone={connected ? 'good' : 'warn'}>{connected ? t('connected') : t('reconnecting')}</Badge>}>
      {data === undefined ? (
        <Loading />
      ) : (
        <div className="grid stats home-live" aria-live="polite">
          <Stat label={t('eventsToday')} value={format.number(data.eventsToday)} />
          <Stat label={t('profiles')} value={format.number(data.profiles)} />
          <Stat label={t('liveJourneys')} value={format.number(data.liveJourneys)} />
          <Stat label={t('liveCampaigns')} value={format.number(data.liveCampaigns)} />
          <Stat label={t('failingNow')} value={format.number(failing ?? 0)} tone={failing === 0 ? 'good' : 'bad'} />
        </div>
      )}
    </Card>
  );
}

function KpiCards() {
  const t = useT(messages);
  const tk = useT(kpiMessages);
  const format = useFormat();
  const kpis = useQuery({ queryKey: ['analytics', 'kpis', 'default'], queryFn: () => api.get<KpiReport>('/api/v1/analytics/kpis') });
  const currency = kpis.data?.currency ?? 'USD';
  return (
    <section aria-labelledby="home-kpis">
      <h2 id="home-kpis">{t('kpis')}</h2>
      {kpis.isPending ? <Loading /> : null}
      <ErrorNotice error={kpis.error} onRetry={() => void kpis.refetch()} />
      {kpis.data === undefined ? null : (
        <div className="grid stats home-kpis">
          {kpis.data.lines.map((line) => (
            <Stat
              key={line.key}
              label={kpiLabel(tk, line)}
              value={kpiValue(tk, format, line.unit, line.value, currency)}
              detail={
                <>
                  <span className="home-kpi-change">{kpiChange(tk, format, line, currency)}</span>
                  <span className="home-kpi-benchmark">
                    <Badge tone={kpiTone(line.status)}>{kpiStatus(tk, line.status)}</Badge> {t('benchmark', { reference: kpiReference(tk, line) })}
                  </span>
                </>
              }
            />
          ))}
        </div>
      )}
    </section>
  );
}

function RevenueCard() {
  const t = useT(messages);
  const format = useFormat();
  const attribution = useQuery({ queryKey: ['analytics', 'attribution', 'message'], queryFn: () => api.post<Attribution>('/api/v1/analytics/attribution', { body: { by: 'message' } }) });
  const onsite = useQuery({ queryKey: ['onsite', 'report'], queryFn: () => api.get<OnsiteReport>('/api/v1/onsite/report') });
  const messageRows = attribution.data?.rows.filter((row) => row.key !== 'none' && row.key !== 'direct') ?? [];
  const messageRevenue = messageRows.reduce((sum, row) => sum + row.revenue, 0);
  const messageOrders = messageRows.reduce((sum, row) => sum + row.orders, 0);
  const onsiteRevenue = onsite.data?.campaigns.reduce((sum, campaign) => sum + campaign.all.revenue, 0) ?? 0;
  const onsiteOrders = onsite.data?.campaigns.reduce((sum, campaign) => sum + campaign.all.conversions, 0) ?? 0;
  const total = attribution.data?.totals.revenue ?? 0;
  return (
    <Card title={t('revenue')}>
      {attribution.isPending || onsite.isPending ? <Loading /> : null}
      <ErrorNotice error={attribution.error ?? onsite.error} />
      {attribution.data === undefined ? null : (
        <>
          <div className="grid stats">
            <Stat
              label={t('messagesRevenue')}
              value={format.money(messageRevenue)}
              detail={`${t('orders', { orders: format.number(messageOrders) })} · ${t('shareOfTotal', { share: format.percent(total > 0 ? messageRevenue / total : 0), total: format.money(total) })}`}
            />
            <Stat label={t('onsiteRevenue')} value={format.money(onsiteRevenue)} detail={t('orders', { orders: format.number(onsiteOrders) })} />
          </div>
          <DataTable
            caption={t('topMessages')}
            rows={messageRows.slice(0, 8)}
            rowKey={(row) => row.key}
            columns={[
              { key: 'key', header: t('message'), cell: (row) => row.key },
              { key: 'orders', header: t('ordersColumn'), numeric: true, cell: (row) => format.number(row.orders), csv: (row) => row.orders },
              { key: 'revenue', header: t('revenueColumn'), numeric: true, cell: (row) => format.money(row.revenue), csv: (row) => row.revenue },
            ]}
          />
        </>
      )}
    </Card>
  );
}

function MaturityCard() {
  const t = useT(messages);
  const tm = useT(maturityMessages);
  // The stage moves over weeks and is the costliest question Home asks (the replica's signals and
  // two 90-day KPI periods): asked again every 5 minutes, not on every return to Home.
  const maturity = useQuery({ queryKey: ['analytics', 'maturity'], queryFn: () => api.get<Maturity>('/api/v1/analytics/maturity'), staleTime: 300_000 });
  const data = maturity.data;
  return (
    <Card title={t('maturity')} className="home-maturity">
      {maturity.isPending ? <Loading /> : null}
      <ErrorNotice error={maturity.error} onRetry={() => void maturity.refetch()} />
      {data === undefined ? null : (
        <>
          <p className="home-stage">
            <strong>{t('stage', { stage: stageName(tm, data.stage) })}</strong>{' '}
            <span className="muted">{data.nextStage === null ? t('topStage') : t('nextStage', { stage: stageName(tm, data.nextStage) })}</span>
          </p>
          <ol className="home-stages" aria-hidden="true">
            {['Egg', 'Caterpillar', 'Imago', 'Nirvana'].map((stage) => (
              <li key={stage} className={stage === data.stage ? 'current' : undefined}>
                {stageName(tm, stage)}
              </li>
            ))}
          </ol>
          <h3>{t('nextSteps')}</h3>
          <ul className="home-next">
            {data.criteria
              .filter((criterion) => !criterion.met)
              .slice(0, 3)
              .map((criterion) => (
                <li key={criterion.key}>
                  <strong>{criterionText(tm, criterion).label}</strong>
                  <div>{criterionText(tm, criterion).action}</div>
                </li>
              ))}
          </ul>
          <details>
            <summary>{t('allCriteria')}</summary>
            <ul className="home-criteria">
              {data.criteria.map((criterion) => (
                <li key={criterion.key}>
                  <Badge tone={criterion.met ? 'good' : 'neutral'}>{criterion.met ? t('met') : t('notMet')}</Badge> {stageName(tm, criterion.stage)} · {criterionText(tm, criterion).label}
                  {criterion.evidence === undefined ? null : <span className="muted small"> ({criterion.evidence})</span>}
                </li>
              ))}
            </ul>
          </details>
        </>
      )}
    </Card>
  );
}

function RunningCard() {
  const t = useT(messages);
  const journeys = useQuery({ queryKey: ['journeys'], queryFn: () => api.get<{ journeys: JourneyItem[] }>('/api/v1/journeys') });
  const campaigns = useQuery({ queryKey: ['onsite', 'campaigns'], queryFn: () => api.get<{ campaigns: CampaignItem[] }>('/api/v1/onsite/campaigns') });
  const liveJourneys = journeys.data?.journeys.filter((journey) => journey.status === 'active') ?? [];
  const liveCampaigns = campaigns.data?.campaigns.filter((campaign) => campaign.status === 'live') ?? [];
  return (
    <div className="grid">
      <Card title={t('journeys')}>
        {journeys.isPending ? <Loading /> : null}
        <ErrorNotice error={journeys.error} />
        {journeys.data === undefined ? null : liveJourneys.length === 0 ? (
          <Empty>{t('noJourneys')}</Empty>
        ) : (
          <ul className="home-links">
            {liveJourneys.map((journey) => (
              <li key={journey.id}>
                <ScreenLink href={`/journeys/${encodeURIComponent(journey.id)}`}>{journey.name}</ScreenLink>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title={t('campaigns')}>
        {campaigns.isPending ? <Loading /> : null}
        <ErrorNotice error={campaigns.error} />
        {campaigns.data === undefined ? null : liveCampaigns.length === 0 ? (
          <Empty>{t('noCampaigns')}</Empty>
        ) : (
          <ul className="home-links">
            {liveCampaigns.map((campaign) => (
              <li key={campaign.id}>
                <ScreenLink href={`/onsite/${encodeURIComponent(campaign.id)}`}>{campaign.name}</ScreenLink>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

type DeadJob = Failing['deadJobs'][number];

/** Gives a dead job a fresh set of attempts; the list refreshes without it once the job is pending. */
function RetryJob({ job }: { job: DeadJob }) {
  const t = useT(messages);
  const client = useQueryClient();
  const retry = useMutation({
    mutationFn: () => api.post('/api/v1/overview/failing/jobs/{key}/retry', { params: { key: job.key } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['overview'] }),
  });
  if (retry.isSuccess) return <span role="status">{t('retried')}</span>;
  return (
    <>
      <Button busy={retry.isPending} aria-label={t('retryJob', { job: job.kind })} onClick={() => retry.mutate()}>
        {t('retry')}
      </Button>
      <ErrorNotice error={retry.error} />
    </>
  );
}

function FailingCard() {
  const t = useT(messages);
  const format = useFormat();
  const editable = canEdit(useSession().me?.role);
  const failing = useQuery({ queryKey: ['overview', 'failing'], queryFn: () => api.get<Failing>('/api/v1/overview/failing'), refetchInterval: 30_000 });
  const data = failing.data;
  const none = data !== undefined && data.deadJobs.length + data.failedSends.length + data.rejectedEvents.length === 0;
  return (
    <Card title={t('failing')}>
      {failing.isPending ? <Loading /> : null}
      <ErrorNotice error={failing.error} onRetry={() => void failing.refetch()} />
      {none ? <p className="notice good">{t('nothingFailing')}</p> : null}
      {data === undefined || none ? null : (
        <>
          {data.deadJobs.length === 0 ? null : (
            <DataTable
              caption={`${t('deadJobs')} (${format.number(data.counts.deadJobs)})`}
              rows={data.deadJobs}
              rowKey={(row) => row.key}
              columns={[
                { key: 'kind', header: t('job'), cell: (row) => row.kind },
                { key: 'reason', header: t('reason'), cell: (row) => row.reason ?? '—' },
                { key: 'when', header: t('when'), cell: (row) => format.relative(row.updatedAt), csv: (row) => row.updatedAt },
                ...(editable ? [{ key: 'retry', header: t('retry'), cell: (row: DeadJob) => <RetryJob job={row} /> }] : []),
              ]}
            />
          )}
          {data.failedSends.length === 0 ? null : (
            <>
              <DataTable
                caption={`${t('failedSends')} (${format.number(data.counts.failedSends)})`}
                rows={data.failedSends}
                rowKey={(row) => row.id}
                columns={[
                  { key: 'channel', header: t('channel'), cell: (row) => row.channel },
                  {
                    key: 'profile',
                    header: t('profile'),
                    cell: (row) => <ScreenLink href={`/profiles/${encodeURIComponent(row.profileId)}`}>{row.profileId}</ScreenLink>,
                    csv: (row) => row.profileId,
                  },
                  { key: 'reason', header: t('reason'), cell: (row) => row.reason ?? '—' },
                  { key: 'when', header: t('when'), cell: (row) => format.relative(row.createdAt), csv: (row) => row.createdAt },
                ]}
              />
              <p>
                <ScreenLink href="/messages?status=failed">{t('openMessages')}</ScreenLink>
              </p>
            </>
          )}
          {data.rejectedEvents.length === 0 ? null : (
            <>
              <DataTable
                caption={`${t('rejected')} (${format.number(data.counts.rejectedEvents)})`}
                rows={data.rejectedEvents}
                rowKey={(row) => row.id}
                columns={[
                  { key: 'code', header: t('code'), cell: (row) => <code className="code">{row.code}</code>, csv: (row) => row.code },
                  { key: 'reason', header: t('reason'), cell: (row) => row.message },
                  { key: 'when', header: t('when'), cell: (row) => format.relative(row.receivedAt), csv: (row) => row.receivedAt },
                ]}
              />
              <p>
                <a href="/api/v1/events/rejected?limit=1000">{t('allRejected')}</a>
              </p>
            </>
          )}
        </>
      )}
    </Card>
  );
}

export function HomeScreen() {
  const t = useT(messages);
  return (
    <Page
      title={t('title')}
      description={t('description')}
      actions={
        <Link to="/analytics" className="button secondary">
          {t('analytics')}
        </Link>
      }
    >
      <div className="home">
        <LiveCard />
        <KpiCards />
        <div className="grid home-pair">
          <RevenueCard />
          <MaturityCard />
        </div>
        <RunningCard />
        <FailingCard />
      </div>
    </Page>
  );
}
