import { useState, type FormEvent, type ReactNode } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useSearch } from '@tanstack/react-router';
import { api, ApiError } from '../../api/client';
import { dayStart } from '../../ui/days';
import { defineMessages, useFormat, useT } from '../../i18n/i18n';
import { canEdit, useSession } from '../../shell/session';
import { Badge, Button, Card, DataTable, ErrorNotice, Field, Loading, Page, type Column } from '../../ui/ui';
import { blankSource, CHANNELS, channelMessages, STATUSES, statusMessages, type Channel, type Template } from './shared';
import './messages.css';

const messages = defineMessages({
  en: {
    title: 'Messages',
    description: 'Templates for every channel, the snippets they share, coupons, what was sent and who must not be contacted.',
    tabs: 'Messages sections',
    templates: 'Templates',
    snippets: 'Snippets',
    coupons: 'Coupons',
    log: 'Message log',
    suppression: 'Suppression',
    newTemplate: 'New template',
    name: 'Name',
    channel: 'Channel',
    create: 'Create and edit',
    version: 'Version',
    published: 'Published',
    draft: 'Draft only',
    updated: 'Updated',
    open: 'Edit',
    templatesCaption: 'Templates of this workspace',
    noTemplates: 'No template yet. Create one, or start from a starter below.',
    starters: 'Starters',
    startersHint: 'Proven templates for the journey recipes, ready to adapt.',
    install: 'Use this starter',
    readOnly: 'You can read everything here; your role cannot change it.',
    pools: 'Coupon pools',
    poolsCaption: 'Issued, redeemed and revenue per pool',
    pool: 'Pool',
    codes: 'Codes',
    issued: 'Issued',
    redeemed: 'Redeemed',
    rate: 'Redemption rate',
    revenue: 'Revenue',
    newPool: 'New coupon pool',
    prefix: 'Code prefix',
    offer: 'Offer',
    percentOff: 'Percent off',
    freeShipping: 'Free shipping',
    percent: 'Percent',
    expiresAfterDays: 'Codes expire after (days)',
    createPool: 'Create pool',
    generate: 'Generate codes',
    count: 'How many',
    generated: '{count} codes generated.',
    logCaption: 'Messages sent, newest first',
    status: 'Status',
    profile: 'Profile',
    from: 'From',
    to: 'To',
    any: 'Any',
    older: 'Older messages',
    apply: 'Filter',
    clear: 'Clear',
    template: 'Template',
    created: 'Created',
    reason: 'Reason',
    engagement: 'Engagement',
    opened: 'Opened',
    clicked: 'Clicked',
    delivered: 'Delivered',
    suppressed: 'Suppressed addresses',
    suppressedCaption: 'Addresses no message goes to',
    address: 'Address',
    addSuppression: 'Suppress an address',
    add: 'Add',
    remove: 'Remove',
    removed: '{address} can receive messages again.',
    r_bounced: 'Bounced',
    r_complained: 'Complained',
    r_unsubscribed: 'Unsubscribed',
    r_manual: 'Added by hand',
    since: 'Since',
    confirmRemove: 'Lift the suppression of {address}?',
  },
  ar: {
    title: 'الرسائل',
    description: 'قوالب لكل قناة، والمقتطفات المشتركة، والقسائم، وما أُرسل، ومن يجب عدم التواصل معه.',
    tabs: 'أقسام الرسائل',
    templates: 'القوالب',
    snippets: 'المقتطفات',
    coupons: 'القسائم',
    log: 'سجل الرسائل',
    suppression: 'قائمة الحظر',
    newTemplate: 'قالب جديد',
    name: 'الاسم',
    channel: 'القناة',
    create: 'إنشاء وتحرير',
    version: 'الإصدار',
    published: 'منشور',
    draft: 'مسودة فقط',
    updated: 'آخر تحديث',
    open: 'تحرير',
    templatesCaption: 'قوالب مساحة العمل هذه',
    noTemplates: 'لا توجد قوالب بعد. أنشئ قالبًا أو ابدأ من قالب جاهز أدناه.',
    starters: 'قوالب جاهزة',
    startersHint: 'قوالب مجرّبة لوصفات الرحلات، جاهزة للتعديل.',
    install: 'استخدم هذا القالب',
    readOnly: 'يمكنك قراءة كل شيء هنا؛ دورك لا يسمح بالتعديل.',
    pools: 'مجموعات القسائم',
    poolsCaption: 'الصادرة والمستخدمة والإيرادات لكل مجموعة',
    pool: 'المجموعة',
    codes: 'الرموز',
    issued: 'الصادرة',
    redeemed: 'المستخدمة',
    rate: 'نسبة الاستخدام',
    revenue: 'الإيرادات',
    newPool: 'مجموعة قسائم جديدة',
    prefix: 'بادئة الرمز',
    offer: 'العرض',
    percentOff: 'خصم بالنسبة المئوية',
    freeShipping: 'شحن مجاني',
    percent: 'النسبة المئوية',
    expiresAfterDays: 'تنتهي صلاحية الرموز بعد (أيام)',
    createPool: 'إنشاء المجموعة',
    generate: 'توليد رموز',
    count: 'العدد',
    generated: 'تم توليد {count} رمزًا.',
    logCaption: 'الرسائل المرسلة، الأحدث أولًا',
    status: 'الحالة',
    profile: 'الملف الشخصي',
    from: 'من',
    to: 'إلى',
    any: 'الكل',
    older: 'رسائل أقدم',
    apply: 'تصفية',
    clear: 'مسح',
    template: 'القالب',
    created: 'أُنشئت',
    reason: 'السبب',
    engagement: 'التفاعل',
    opened: 'فُتحت',
    clicked: 'نُقرت',
    delivered: 'وصلت',
    suppressed: 'العناوين المحظورة',
    suppressedCaption: 'عناوين لا تُرسل إليها أي رسالة',
    address: 'العنوان',
    addSuppression: 'حظر عنوان',
    add: 'إضافة',
    remove: 'إزالة',
    removed: 'يمكن لـ {address} استلام الرسائل مجددًا.',
    r_bounced: 'ارتداد',
    r_complained: 'شكوى',
    r_unsubscribed: 'إلغاء الاشتراك',
    r_manual: 'أُضيف يدويًا',
    since: 'منذ',
    confirmRemove: 'رفع الحظر عن {address}؟',
  },
  ja: {
    title: 'メッセージ',
    description: '各チャネルのテンプレート、共有スニペット、クーポン、送信履歴、配信停止先。',
    tabs: 'メッセージのセクション',
    templates: 'テンプレート',
    snippets: 'スニペット',
    coupons: 'クーポン',
    log: '送信ログ',
    suppression: '配信停止',
    newTemplate: '新しいテンプレート',
    name: '名前',
    channel: 'チャネル',
    create: '作成して編集',
    version: 'バージョン',
    published: '公開中',
    draft: '下書きのみ',
    updated: '更新日時',
    open: '編集',
    templatesCaption: 'このワークスペースのテンプレート',
    noTemplates: 'テンプレートはまだありません。作成するか、下のスターターから始めてください。',
    starters: 'スターター',
    startersHint: 'ジャーニーのレシピ用の実績あるテンプレート。すぐに調整できます。',
    install: 'このスターターを使う',
    readOnly: 'ここはすべて閲覧できますが、あなたのロールでは変更できません。',
    pools: 'クーポンプール',
    poolsCaption: 'プールごとの発行数・利用数・売上',
    pool: 'プール',
    codes: 'コード数',
    issued: '発行',
    redeemed: '利用',
    rate: '利用率',
    revenue: '売上',
    newPool: '新しいクーポンプール',
    prefix: 'コードの接頭辞',
    offer: '特典',
    percentOff: '割引率',
    freeShipping: '送料無料',
    percent: 'パーセント',
    expiresAfterDays: 'コードの有効期限（日）',
    createPool: 'プールを作成',
    generate: 'コードを生成',
    count: '件数',
    generated: '{count} 件のコードを生成しました。',
    logCaption: '送信したメッセージ（新しい順）',
    status: 'ステータス',
    profile: 'プロフィール',
    from: '開始',
    to: '終了',
    any: 'すべて',
    older: '古いメッセージ',
    apply: '絞り込む',
    clear: 'クリア',
    template: 'テンプレート',
    created: '作成日時',
    reason: '理由',
    engagement: 'エンゲージメント',
    opened: '開封',
    clicked: 'クリック',
    delivered: '配信済み',
    suppressed: '配信停止アドレス',
    suppressedCaption: 'メッセージを送らないアドレス',
    address: 'アドレス',
    addSuppression: 'アドレスを配信停止にする',
    add: '追加',
    remove: '削除',
    removed: '{address} は再びメッセージを受け取れます。',
    r_bounced: 'バウンス',
    r_complained: '苦情',
    r_unsubscribed: '配信停止',
    r_manual: '手動で追加',
    since: '登録日時',
    confirmRemove: '{address} の配信停止を解除しますか？',
  },
});

function Tab({ to, children, exact }: { to: string; children: ReactNode; exact?: boolean }) {
  return (
    <Link to={to} activeOptions={{ exact: exact === true, includeSearch: false }} activeProps={{ 'aria-current': 'page' }}>
      {children}
    </Link>
  );
}

export function MessagesLayout() {
  const t = useT(messages);
  return (
    <Page title={t('title')} description={t('description')}>
      <nav className="tabs messages-tabs" aria-label={t('tabs')}>
        <Tab to="/messages/templates">{t('templates')}</Tab>
        <Tab to="/messages/snippets">{t('snippets')}</Tab>
        <Tab to="/messages/coupons">{t('coupons')}</Tab>
        <Tab to="/messages/log">{t('log')}</Tab>
        <Tab to="/messages/suppression">{t('suppression')}</Tab>
      </nav>
      <div className="messages-body">
        <Outlet />
      </div>
    </Page>
  );
}

function useEditable(): boolean {
  const { me } = useSession();
  return canEdit(me?.role);
}

export function TemplatesTab() {
  const t = useT(messages);
  const tc = useT(channelMessages);
  const format = useFormat();
  const editable = useEditable();
  const navigate = useNavigate();
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['templates'], queryFn: () => api.get<{ templates: Template[] }>('/api/v1/templates') });
  const starters = useQuery({
    queryKey: ['templates', 'starters'],
    queryFn: () => api.get<{ starters: { key: string; name: string; channel: Channel; description: string }[] }>('/api/v1/templates/starters'),
  });
  const [name, setName] = useState('');
  const [channel, setChannel] = useState<Channel>('email');
  const create = useMutation({
    mutationFn: () => api.post<Template>('/api/v1/templates', { body: { name: name.trim(), channel, source: blankSource(channel), publish: false } }),
    onSuccess: async (template) => {
      await client.invalidateQueries({ queryKey: ['templates'] });
      await navigate({ to: '/messages/templates/$id', params: { id: template.id } });
    },
  });
  const install = useMutation({
    mutationFn: (key: string) => api.post<Template>('/api/v1/templates/starters/{key}', { params: { key } }),
    onSuccess: async (template) => {
      await client.invalidateQueries({ queryKey: ['templates'] });
      await navigate({ to: '/messages/templates/$id', params: { id: template.id } });
    },
  });
  const nameError = create.error instanceof ApiError ? create.error.fieldMessage('name') : undefined;
  const columns: Column<Template>[] = [
    {
      key: 'name',
      header: t('name'),
      cell: (row) => (
        <Link to="/messages/templates/$id" params={{ id: row.id }}>
          {row.name}
        </Link>
      ),
      csv: (row) => row.name,
    },
    { key: 'channel', header: t('channel'), cell: (row) => tc(row.channel), csv: (row) => row.channel },
    { key: 'version', header: t('version'), numeric: true, cell: (row) => format.number(row.latestVersion), csv: (row) => row.latestVersion },
    {
      key: 'published',
      header: t('published'),
      cell: (row) => (row.publishedVersion === null ? <Badge tone="warn">{t('draft')}</Badge> : <Badge tone="good">{`${t('version')} ${format.number(row.publishedVersion)}`}</Badge>),
      csv: (row) => row.publishedVersion,
    },
    { key: 'updated', header: t('updated'), cell: (row) => format.dateTime(row.updatedAt), csv: (row) => row.updatedAt },
  ];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() !== '') create.mutate();
  };
  return (
    <div className="messages-stack">
      {editable ? null : <p className="notice info">{t('readOnly')}</p>}
      {editable ? (
        <Card title={t('newTemplate')}>
          <form className="toolbar" onSubmit={submit}>
            <Field label={t('name')} error={nameError}>
              {(props) => <input {...props} value={name} maxLength={200} required onChange={(event) => setName(event.target.value)} />}
            </Field>
            <Field label={t('channel')}>
              {(props) => (
                <select {...props} value={channel} onChange={(event) => setChannel(event.target.value as Channel)}>
                  {CHANNELS.map((entry) => (
                    <option key={entry} value={entry}>
                      {tc(entry)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Button type="submit" variant="primary" busy={create.isPending} disabled={name.trim() === ''}>
              {t('create')}
            </Button>
          </form>
          {create.error !== null && nameError === undefined ? <ErrorNotice error={create.error} /> : null}
        </Card>
      ) : null}
      <Card title={t('templates')}>
        {list.isPending ? <Loading /> : null}
        <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />
        {list.data === undefined ? null : (
          <DataTable caption={t('templatesCaption')} columns={columns} rows={list.data.templates} rowKey={(row) => row.id} csvName="templates" empty={t('noTemplates')} />
        )}
      </Card>
      {editable && starters.data !== undefined && starters.data.starters.length > 0 ? (
        <Card title={t('starters')}>
          <p className="muted">{t('startersHint')}</p>
          <ErrorNotice error={install.error} />
          <ul className="messages-starters">
            {starters.data.starters.map((starter) => (
              <li key={starter.key}>
                <div>
                  <strong>{starter.name}</strong> <Badge tone="info">{tc(starter.channel)}</Badge>
                  <p className="muted small">{starter.description}</p>
                </div>
                <Button onClick={() => install.mutate(starter.key)} busy={install.isPending && install.variables === starter.key} aria-label={`${t('install')}: ${starter.name}`}>
                  {t('install')}
                </Button>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
    </div>
  );
}

interface PoolReport {
  poolId: string;
  name: string;
  codes: number;
  issued: number;
  redeemed: number;
  redemptionRate: number | null;
  revenue: number;
}

export function CouponsTab() {
  const t = useT(messages);
  const format = useFormat();
  const editable = useEditable();
  const client = useQueryClient();
  const report = useQuery({ queryKey: ['coupons', 'report'], queryFn: () => api.get<{ pools: PoolReport[] }>('/api/v1/coupons/report') });
  const [name, setName] = useState('');
  const [prefix, setPrefix] = useState('');
  const [kind, setKind] = useState<'percent' | 'free_shipping'>('percent');
  const [percent, setPercent] = useState('10');
  const [days, setDays] = useState('30');
  const [count, setCount] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | undefined>();
  const create = useMutation({
    mutationFn: () =>
      api.post('/api/v1/coupons/pools', {
        body: {
          name: name.trim(),
          ...(prefix.trim() === '' ? {} : { prefix: prefix.trim() }),
          mode: 'generated',
          rule: { kind: 'fixed', offer: kind === 'percent' ? { type: 'percent', value: Number(percent) } : { type: 'free_shipping' } },
          ...(days.trim() === '' ? {} : { expiresAfterDays: Number(days) }),
        },
      }),
    onSuccess: async () => {
      setName('');
      setPrefix('');
      await client.invalidateQueries({ queryKey: ['coupons'] });
    },
  });
  const generate = useMutation({
    mutationFn: ({ id, n }: { id: string; n: number }) => api.post<{ generated?: number }>('/api/v1/coupons/pools/{id}/generate', { params: { id }, body: { count: n } }),
    onSuccess: async (_result, { n }) => {
      setNotice(t('generated', { count: format.number(n) }));
      await client.invalidateQueries({ queryKey: ['coupons'] });
    },
  });
  const fieldError = (field: string) => (create.error instanceof ApiError ? create.error.fieldMessage(field) : undefined);
  const percentValue = Number(percent);
  const percentLocal = kind === 'percent' && (!(percentValue > 0) || percentValue > 100) ? '0 < % ≤ 100' : undefined;
  const columns: Column<PoolReport>[] = [
    { key: 'name', header: t('pool'), cell: (row) => row.name },
    { key: 'codes', header: t('codes'), numeric: true, cell: (row) => format.number(row.codes), csv: (row) => row.codes },
    { key: 'issued', header: t('issued'), numeric: true, cell: (row) => format.number(row.issued), csv: (row) => row.issued },
    { key: 'redeemed', header: t('redeemed'), numeric: true, cell: (row) => format.number(row.redeemed), csv: (row) => row.redeemed },
    { key: 'rate', header: t('rate'), numeric: true, cell: (row) => (row.redemptionRate === null ? '—' : format.percent(row.redemptionRate)), csv: (row) => row.redemptionRate },
    { key: 'revenue', header: t('revenue'), numeric: true, cell: (row) => format.money(row.revenue), csv: (row) => row.revenue },
  ];
  if (editable)
    columns.push({
      key: 'generate',
      header: t('generate'),
      csv: () => '',
      cell: (row) => (
        <form
          className="inline-field"
          onSubmit={(event) => {
            event.preventDefault();
            const n = Number(count[row.poolId] ?? '100');
            if (Number.isInteger(n) && n > 0) generate.mutate({ id: row.poolId, n });
          }}
        >
          <input
            type="number"
            min={1}
            max={100000}
            className="messages-count"
            aria-label={`${t('count')}: ${row.name}`}
            value={count[row.poolId] ?? '100'}
            onChange={(event) => setCount((current) => ({ ...current, [row.poolId]: event.target.value }))}
          />
          <Button type="submit" busy={generate.isPending && generate.variables.id === row.poolId}>
            {t('generate')}
          </Button>
        </form>
      ),
    });
  return (
    <div className="messages-stack">
      <Card title={t('pools')}>
        {report.isPending ? <Loading /> : null}
        <ErrorNotice error={report.error} onRetry={() => void report.refetch()} />
        {notice === undefined ? null : (
          <p className="notice good" role="status">
            {notice}
          </p>
        )}
        <ErrorNotice error={generate.error} />
        {report.data === undefined ? null : <DataTable caption={t('poolsCaption')} columns={columns} rows={report.data.pools} rowKey={(row) => row.poolId} csvName="coupon-pools" />}
      </Card>
      {editable ? (
        <Card title={t('newPool')}>
          <form
            className="messages-form-grid"
            onSubmit={(event) => {
              event.preventDefault();
              if (percentLocal === undefined) create.mutate();
            }}
          >
            <Field label={t('name')} error={fieldError('name')}>
              {(props) => <input {...props} required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />}
            </Field>
            <Field label={t('prefix')} error={fieldError('prefix')}>
              {(props) => <input {...props} maxLength={20} value={prefix} onChange={(event) => setPrefix(event.target.value)} />}
            </Field>
            <Field label={t('offer')}>
              {(props) => (
                <select {...props} value={kind} onChange={(event) => setKind(event.target.value as 'percent' | 'free_shipping')}>
                  <option value="percent">{t('percentOff')}</option>
                  <option value="free_shipping">{t('freeShipping')}</option>
                </select>
              )}
            </Field>
            {kind === 'percent' ? (
              <Field label={t('percent')} error={percentLocal ?? fieldError('value')}>
                {(props) => <input {...props} type="number" min={1} max={100} value={percent} onChange={(event) => setPercent(event.target.value)} />}
              </Field>
            ) : null}
            <Field label={t('expiresAfterDays')} error={fieldError('expiresAfterDays')}>
              {(props) => <input {...props} type="number" min={1} max={3650} value={days} onChange={(event) => setDays(event.target.value)} />}
            </Field>
            <div>
              <Button type="submit" variant="primary" busy={create.isPending} disabled={name.trim() === ''}>
                {t('createPool')}
              </Button>
            </div>
          </form>
          {create.error !== null && fieldError('name') === undefined && fieldError('prefix') === undefined ? <ErrorNotice error={create.error} /> : null}
        </Card>
      ) : null}
    </div>
  );
}

interface MessageRow {
  id: string;
  profileId: string;
  channel: Channel;
  templateId: string | null;
  templateVersion: number | null;
  status: string;
  reason: string | null;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  openedAt: string | null;
  clickedAt: string | null;
}

export function LogTab() {
  const t = useT(messages);
  const ts = useT(statusMessages);
  const statusLabel = (status: string) => ((STATUSES as readonly string[]).includes(status) ? ts(status as (typeof STATUSES)[number]) : status);
  const tc = useT(channelMessages);
  const format = useFormat();
  const navigate = useNavigate();
  const search = useSearch({ strict: false }) as { channel?: string; status?: string; profileId?: string; from?: string; to?: string };
  const [draft, setDraft] = useState(search);
  // The server narrows by every filter; the days are inclusive, so `to` ends after its day.
  const query = {
    ...(search.channel === undefined ? {} : { channel: search.channel }),
    ...(search.status === undefined ? {} : { status: search.status }),
    ...(search.profileId === undefined ? {} : { profileId: search.profileId }),
    ...(search.from === undefined ? {} : { from: dayStart(search.from) }),
    ...(search.to === undefined ? {} : { to: dayStart(search.to, true) }),
  };
  const log = useInfiniteQuery({
    queryKey: ['messages', 'log', query],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      api.get<{ messages: MessageRow[]; nextCursor: string | null }>('/api/v1/messages', { query: { ...query, limit: 100, ...(pageParam === '' ? {} : { cursor: pageParam }) } }),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => api.get<{ templates: Template[] }>('/api/v1/templates') });
  const templateName = new Map((templates.data?.templates ?? []).map((template) => [template.id, template.name]));
  const rows = log.data?.pages.flatMap((page) => page.messages) ?? [];
  const columns: Column<MessageRow>[] = [
    { key: 'created', header: t('created'), cell: (row) => format.dateTime(row.createdAt), csv: (row) => row.createdAt },
    { key: 'channel', header: t('channel'), cell: (row) => tc(row.channel), csv: (row) => row.channel },
    { key: 'template', header: t('template'), cell: (row) => (row.templateId === null ? '—' : (templateName.get(row.templateId) ?? row.templateId)), csv: (row) => row.templateId },
    { key: 'profile', header: t('profile'), cell: (row) => <code className="code">{row.profileId}</code>, csv: (row) => row.profileId },
    {
      key: 'status',
      header: t('status'),
      cell: (row) => (
        <Badge tone={row.status === 'failed' || row.status === 'bounced' ? 'bad' : row.status === 'suppressed' || row.status === 'complained' ? 'warn' : 'good'}>{statusLabel(row.status)}</Badge>
      ),
      csv: (row) => row.status,
    },
    {
      key: 'engagement',
      header: t('engagement'),
      cell: (row) => [row.deliveredAt === null ? null : t('delivered'), row.openedAt === null ? null : t('opened'), row.clickedAt === null ? null : t('clicked')].filter(Boolean).join(' · ') || '—',
      csv: (row) => [row.openedAt === null ? '' : 'opened', row.clickedAt === null ? '' : 'clicked'].filter(Boolean).join(' '),
    },
    { key: 'reason', header: t('reason'), cell: (row) => row.reason ?? '', csv: (row) => row.reason },
  ];
  const apply = (next: typeof search) => {
    const clean = Object.fromEntries(Object.entries(next).filter(([, value]) => typeof value === 'string' && value !== ''));
    void navigate({ to: '/messages/log', search: clean });
  };
  return (
    <div className="messages-stack">
      <Card title={t('log')}>
        <form
          className="toolbar messages-filters"
          onSubmit={(event) => {
            event.preventDefault();
            apply(draft);
          }}
        >
          <Field label={t('channel')}>
            {(props) => (
              <select {...props} value={draft.channel ?? ''} onChange={(event) => setDraft({ ...draft, channel: event.target.value })}>
                <option value="">{t('any')}</option>
                {CHANNELS.map((entry) => (
                  <option key={entry} value={entry}>
                    {tc(entry)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('status')}>
            {(props) => (
              <select {...props} value={draft.status ?? ''} onChange={(event) => setDraft({ ...draft, status: event.target.value })}>
                <option value="">{t('any')}</option>
                {STATUSES.map((entry) => (
                  <option key={entry} value={entry}>
                    {ts(entry)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('from')}>{(props) => <input {...props} type="date" value={draft.from ?? ''} onChange={(event) => setDraft({ ...draft, from: event.target.value })} />}</Field>
          <Field label={t('to')}>{(props) => <input {...props} type="date" value={draft.to ?? ''} onChange={(event) => setDraft({ ...draft, to: event.target.value })} />}</Field>
          <Field label={t('profile')}>{(props) => <input {...props} value={draft.profileId ?? ''} onChange={(event) => setDraft({ ...draft, profileId: event.target.value })} />}</Field>
          <Button type="submit" variant="primary">
            {t('apply')}
          </Button>
          <Button
            onClick={() => {
              setDraft({});
              apply({});
            }}
          >
            {t('clear')}
          </Button>
        </form>
        {log.isPending ? <Loading /> : null}
        <ErrorNotice error={log.error} onRetry={() => void log.refetch()} />
        {log.data === undefined ? null : <DataTable caption={t('logCaption')} columns={columns} rows={rows} rowKey={(row) => row.id} csvName="message-log" />}
        {log.hasNextPage ? (
          <Button busy={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
            {t('older')}
          </Button>
        ) : null}
      </Card>
    </div>
  );
}

interface Suppression {
  channel: Channel;
  address: string;
  reason: string;
  createdAt: string | number;
}

const REASONS = ['bounced', 'complained', 'unsubscribed', 'manual'] as const;

export function SuppressionTab() {
  const t = useT(messages);
  const tc = useT(channelMessages);
  const format = useFormat();
  const editable = useEditable();
  const client = useQueryClient();
  const [channel, setChannel] = useState<Channel>('email');
  const [address, setAddress] = useState('');
  const [reason, setReason] = useState<(typeof REASONS)[number]>('manual');
  const [notice, setNotice] = useState<string | undefined>();
  const list = useQuery({ queryKey: ['suppressions'], queryFn: () => api.get<{ suppressions: Suppression[] }>('/api/v1/suppressions', { query: { limit: 1000 } }) });
  const add = useMutation({
    mutationFn: () => api.post('/api/v1/suppressions', { body: { channel, address: address.trim(), reason } }),
    onSuccess: async () => {
      setAddress('');
      await client.invalidateQueries({ queryKey: ['suppressions'] });
    },
  });
  const remove = useMutation({
    mutationFn: (row: Suppression) => api.delete('/api/v1/suppressions/{channel}/{address}', { params: { channel: row.channel, address: row.address } }),
    onSuccess: async (_result, row) => {
      setNotice(t('removed', { address: row.address }));
      await client.invalidateQueries({ queryKey: ['suppressions'] });
    },
  });
  const reasonLabel = (value: string) => (REASONS.includes(value as (typeof REASONS)[number]) ? t(`r_${value as (typeof REASONS)[number]}`) : value);
  const columns: Column<Suppression>[] = [
    { key: 'address', header: t('address'), cell: (row) => row.address },
    { key: 'channel', header: t('channel'), cell: (row) => tc(row.channel), csv: (row) => row.channel },
    { key: 'reason', header: t('reason'), cell: (row) => reasonLabel(row.reason), csv: (row) => row.reason },
    { key: 'since', header: t('since'), cell: (row) => format.dateTime(row.createdAt), csv: (row) => String(row.createdAt) },
  ];
  if (editable)
    columns.push({
      key: 'remove',
      header: t('remove'),
      csv: () => '',
      cell: (row) => (
        <Button variant="ghost" aria-label={`${t('remove')}: ${row.address}`} onClick={() => window.confirm(t('confirmRemove', { address: row.address })) && remove.mutate(row)}>
          {t('remove')}
        </Button>
      ),
    });
  const addressError = add.error instanceof ApiError ? add.error.fieldMessage('address') : undefined;
  return (
    <div className="messages-stack">
      {editable ? (
        <Card title={t('addSuppression')}>
          <form
            className="toolbar"
            onSubmit={(event) => {
              event.preventDefault();
              add.mutate();
            }}
          >
            <Field label={t('channel')}>
              {(props) => (
                <select {...props} value={channel} onChange={(event) => setChannel(event.target.value as Channel)}>
                  {CHANNELS.filter((entry) => entry !== 'webhook').map((entry) => (
                    <option key={entry} value={entry}>
                      {tc(entry)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('address')} error={addressError}>
              {(props) => <input {...props} required minLength={3} value={address} onChange={(event) => setAddress(event.target.value)} />}
            </Field>
            <Field label={t('reason')}>
              {(props) => (
                <select {...props} value={reason} onChange={(event) => setReason(event.target.value as (typeof REASONS)[number])}>
                  {REASONS.map((entry) => (
                    <option key={entry} value={entry}>
                      {t(`r_${entry}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Button type="submit" variant="primary" busy={add.isPending} disabled={address.trim().length < 3}>
              {t('add')}
            </Button>
          </form>
          {add.error !== null && addressError === undefined ? <ErrorNotice error={add.error} /> : null}
        </Card>
      ) : null}
      <Card title={t('suppressed')}>
        {notice === undefined ? null : (
          <p className="notice good" role="status">
            {notice}
          </p>
        )}
        <ErrorNotice error={remove.error} />
        {list.isPending ? <Loading /> : null}
        <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />
        {list.data === undefined ? null : (
          <DataTable caption={t('suppressedCaption')} columns={columns} rows={list.data.suppressions} rowKey={(row) => `${row.channel}:${row.address}`} csvName="suppressions" />
        )}
      </Card>
    </div>
  );
}
