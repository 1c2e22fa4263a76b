import { useState } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api/client';
import { defineMessages, useFormat, useT } from '../../i18n/i18n';
import { canAdminister, useSession, type Role } from '../../shell/session';
import { Badge, Button, Card, DataTable, ErrorNotice, Field, Loading, type Column } from '../../ui/ui';
import './settings.css';

/* Keys, tokens, users and the audit log: owners and admins only (the API enforces it too). */

const messages = defineMessages({
  en: {
    adminOnly: 'Only owners and admins manage keys, tokens and users.',
    writeKeys: 'Write keys',
    writeKeysHint: 'One per source (the shop, the app, the server). A write key can only send events; it is safe in a web page.',
    adminTokens: 'Admin tokens',
    adminTokensHint: 'For machines calling the admin API. The secret is shown once, when created.',
    name: 'Name',
    key: 'Key',
    scopes: 'Scopes',
    created: 'Created',
    lastUsed: 'Last used',
    expires: 'Expires',
    never: 'Never',
    status: 'Status',
    active: 'Active',
    revoked: 'Revoked',
    expired: 'Expired',
    revoke: 'Revoke',
    confirmRevoke: 'Revoke {name}? Anything using it stops working at once.',
    create: 'Create',
    newWriteKey: 'New write key',
    newAdminToken: 'New admin token',
    expiresAt: 'Expires on (optional)',
    secretOnce: 'Copy this secret now: it will not be shown again.',
    secret: 'Secret of {name}',
    copy: 'Copy',
    copied: 'Copied.',
    dismiss: 'I have stored it',
    scope_track: 'track',
    scope_identify: 'identify',
    scope_import: 'import',
    scope_onsite: 'on-site',
    scope_read: 'read',
    scope_write: 'write',
    scope_admin: 'admin',
    members: 'Members',
    membersCaption: 'People with access to this workspace',
    email: 'Email',
    role: 'Role',
    remove: 'Remove',
    confirmRemove: 'Remove {email} from this workspace?',
    pendingSetup: 'Invitation not accepted yet',
    you: 'you',
    invite: 'Invite someone',
    inviteHint: 'They get a link to set a password. Send it to them yourself: it is shown once.',
    sendInvite: 'Create invitation',
    inviteLink: 'Invitation link for {email}',
    invitations: 'Pending invitations',
    invitationsCaption: 'Invitations sent and not yet accepted',
    invitedAt: 'Invited',
    role_owner: 'Owner',
    role_admin: 'Admin',
    role_marketer: 'Marketer',
    role_analyst: 'Analyst (read only)',
    roleChanged: '{email} is now {role}.',
    audit: 'Audit log',
    auditCaption: 'Every change made through the API or the dashboard, newest first',
    at: 'When',
    who: 'Who',
    what: 'What',
    resource: 'Resource',
    ip: 'From',
    more: 'Load more',
    from: 'From',
    to: 'To',
    filter: 'Filter',
  },
  ar: {
    adminOnly: 'يدير المالكون والمسؤولون فقط المفاتيح والرموز والمستخدمين.',
    writeKeys: 'مفاتيح الكتابة',
    writeKeysHint: 'مفتاح لكل مصدر (المتجر، التطبيق، الخادم). لا يستطيع مفتاح الكتابة إلا إرسال الأحداث؛ وهو آمن في صفحة الويب.',
    adminTokens: 'رموز الإدارة',
    adminTokensHint: 'للأنظمة التي تستدعي واجهة الإدارة. يظهر السر مرة واحدة عند الإنشاء.',
    name: 'الاسم',
    key: 'المفتاح',
    scopes: 'الصلاحيات',
    created: 'أُنشئ',
    lastUsed: 'آخر استخدام',
    expires: 'ينتهي',
    never: 'أبدًا',
    status: 'الحالة',
    active: 'نشط',
    revoked: 'مُلغى',
    expired: 'منتهي',
    revoke: 'إلغاء',
    confirmRevoke: 'إلغاء {name}؟ سيتوقف كل ما يستخدمه فورًا.',
    create: 'إنشاء',
    newWriteKey: 'مفتاح كتابة جديد',
    newAdminToken: 'رمز إدارة جديد',
    expiresAt: 'ينتهي في (اختياري)',
    secretOnce: 'انسخ هذا السر الآن: لن يظهر مرة أخرى.',
    secret: 'سر {name}',
    copy: 'نسخ',
    copied: 'تم النسخ.',
    dismiss: 'لقد حفظته',
    scope_track: 'تتبع',
    scope_identify: 'تعريف',
    scope_import: 'استيراد',
    scope_onsite: 'على الموقع',
    scope_read: 'قراءة',
    scope_write: 'كتابة',
    scope_admin: 'إدارة',
    members: 'الأعضاء',
    membersCaption: 'الأشخاص الذين لديهم وصول إلى مساحة العمل هذه',
    email: 'البريد الإلكتروني',
    role: 'الدور',
    remove: 'إزالة',
    confirmRemove: 'إزالة {email} من مساحة العمل هذه؟',
    pendingSetup: 'لم تُقبل الدعوة بعد',
    you: 'أنت',
    invite: 'دعوة شخص',
    inviteHint: 'يحصل على رابط لتعيين كلمة المرور. أرسله إليه بنفسك: يظهر مرة واحدة.',
    sendInvite: 'إنشاء دعوة',
    inviteLink: 'رابط الدعوة لـ {email}',
    invitations: 'دعوات معلّقة',
    invitationsCaption: 'دعوات أُرسلت ولم تُقبل بعد',
    invitedAt: 'تاريخ الدعوة',
    role_owner: 'مالك',
    role_admin: 'مسؤول',
    role_marketer: 'مسوّق',
    role_analyst: 'محلل (قراءة فقط)',
    roleChanged: 'أصبح {email} الآن {role}.',
    audit: 'سجل التدقيق',
    auditCaption: 'كل تغيير عبر الواجهة البرمجية أو لوحة التحكم، الأحدث أولًا',
    at: 'متى',
    who: 'من',
    what: 'ماذا',
    resource: 'المورد',
    ip: 'من عنوان',
    more: 'تحميل المزيد',
    from: 'من',
    to: 'إلى',
    filter: 'تصفية',
  },
  ja: {
    adminOnly: 'キー、トークン、ユーザーを管理できるのはオーナーと管理者だけです。',
    writeKeys: '書き込みキー',
    writeKeysHint: 'ソース（ショップ、アプリ、サーバー）ごとに 1 つ。書き込みキーはイベント送信しかできないため、Web ページに置いても安全です。',
    adminTokens: '管理トークン',
    adminTokensHint: '管理 API を呼び出すシステム用。シークレットは作成時に一度だけ表示されます。',
    name: '名前',
    key: 'キー',
    scopes: 'スコープ',
    created: '作成日時',
    lastUsed: '最終使用',
    expires: '有効期限',
    never: 'なし',
    status: 'ステータス',
    active: '有効',
    revoked: '取り消し済み',
    expired: '期限切れ',
    revoke: '取り消す',
    confirmRevoke: '{name} を取り消しますか？ 使用中のものはすぐに動かなくなります。',
    create: '作成',
    newWriteKey: '新しい書き込みキー',
    newAdminToken: '新しい管理トークン',
    expiresAt: '有効期限（任意）',
    secretOnce: 'このシークレットを今コピーしてください。再表示されません。',
    secret: '{name} のシークレット',
    copy: 'コピー',
    copied: 'コピーしました。',
    dismiss: '保存しました',
    scope_track: 'track',
    scope_identify: 'identify',
    scope_import: 'import',
    scope_onsite: 'オンサイト',
    scope_read: '読み取り',
    scope_write: '書き込み',
    scope_admin: '管理',
    members: 'メンバー',
    membersCaption: 'このワークスペースにアクセスできる人',
    email: 'メール',
    role: 'ロール',
    remove: '削除',
    confirmRemove: '{email} をこのワークスペースから削除しますか？',
    pendingSetup: '招待はまだ承認されていません',
    you: 'あなた',
    invite: '招待する',
    inviteHint: 'パスワードを設定するリンクが作成されます。一度だけ表示されるので、ご自身で送ってください。',
    sendInvite: '招待を作成',
    inviteLink: '{email} への招待リンク',
    invitations: '保留中の招待',
    invitationsCaption: '送信済みで未承認の招待',
    invitedAt: '招待日時',
    role_owner: 'オーナー',
    role_admin: '管理者',
    role_marketer: 'マーケター',
    role_analyst: 'アナリスト（閲覧のみ）',
    roleChanged: '{email} は {role} になりました。',
    audit: '監査ログ',
    auditCaption: 'API またはダッシュボードでの変更すべて（新しい順）',
    at: '日時',
    who: '実行者',
    what: '操作',
    resource: 'リソース',
    ip: '接続元',
    more: 'さらに読み込む',
    from: '開始',
    to: '終了',
    filter: '絞り込む',
  },
});

function AdminOnly({ children }: { children: React.ReactNode }) {
  const t = useT(messages);
  const { me } = useSession();
  if (!canAdminister(me?.role)) return <p className="notice info">{t('adminOnly')}</p>;
  return <>{children}</>;
}

function Secret({ name, secret, onDone }: { name: string; secret: string; onDone(): void }) {
  const t = useT(messages);
  const [copied, setCopied] = useState(false);
  return (
    <div className="notice warn settings-secret" role="status">
      <strong>{t('secretOnce')}</strong>
      <label className="visually-hidden" htmlFor="settings-secret-value">
        {t('secret', { name })}
      </label>
      <input id="settings-secret-value" readOnly dir="ltr" value={secret} onFocus={(event) => event.currentTarget.select()} data-testid="secret" />
      <Button
        onClick={() =>
          void navigator.clipboard.writeText(secret).then(
            () => setCopied(true),
            () => undefined,
          )
        }
      >
        {copied ? t('copied') : t('copy')}
      </Button>
      <Button variant="ghost" onClick={onDone}>
        {t('dismiss')}
      </Button>
    </div>
  );
}

interface WriteKey {
  id: string;
  key: string;
  name: string;
  createdAt: number;
  revokedAt: number | null;
  expiresAt: number | null;
  scopes: string[];
}
interface AdminToken {
  id: string;
  name: string;
  scope: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  expiresAt: number | null;
  scopes: string[];
}

const WRITE_SCOPES = ['track', 'identify', 'import', 'onsite'] as const;
const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;

function stateOf(row: { revokedAt: number | null; expiresAt: number | null }): 'active' | 'revoked' | 'expired' {
  if (row.revokedAt !== null) return 'revoked';
  if (row.expiresAt !== null && row.expiresAt <= Date.now()) return 'expired';
  return 'active';
}

export function KeysTab() {
  return (
    <AdminOnly>
      <div className="settings-stack">
        <WriteKeys />
        <AdminTokens />
      </div>
    </AdminOnly>
  );
}

function ScopePicker<S extends string>({ legend, all, value, onChange }: { legend: string; all: readonly S[]; value: S[]; onChange(value: S[]): void }) {
  const t = useT(messages);
  return (
    <fieldset className="settings-scopes">
      <legend>{legend}</legend>
      {all.map((scope) => (
        <label key={scope} className="inline-field">
          <input type="checkbox" checked={value.includes(scope)} onChange={(event) => onChange(event.target.checked ? [...value, scope] : value.filter((entry) => entry !== scope))} />
          {t(`scope_${scope}` as 'scope_track')}
        </label>
      ))}
    </fieldset>
  );
}

function expiryOf(date: string): string | undefined {
  return date === '' ? undefined : new Date(`${date}T23:59:59`).toISOString();
}

function WriteKeys() {
  const t = useT(messages);
  const format = useFormat();
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['write-keys'], queryFn: () => api.get<{ writeKeys: WriteKey[] }>('/api/v1/write-keys') });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<(typeof WRITE_SCOPES)[number][]>([...WRITE_SCOPES]);
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<WriteKey | undefined>();
  const create = useMutation({
    mutationFn: () => api.post<WriteKey>('/api/v1/write-keys', { body: { name: name.trim(), scopes, ...(expiryOf(expires) === undefined ? {} : { expiresAt: expiryOf(expires) }) } }),
    onSuccess: async (key) => {
      setCreated(key);
      setName('');
      await client.invalidateQueries({ queryKey: ['write-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/write-keys/{id}', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['write-keys'] }),
  });
  const error = create.error instanceof ApiError ? create.error : undefined;
  const columns: Column<WriteKey>[] = [
    { key: 'name', header: t('name'), cell: (row) => row.name },
    {
      key: 'key',
      header: t('key'),
      cell: (row) => (
        <code className="code" dir="ltr">
          {row.key}
        </code>
      ),
      csv: (row) => row.key,
    },
    { key: 'scopes', header: t('scopes'), cell: (row) => row.scopes.map((scope) => t(`scope_${scope}` as 'scope_track')).join(', '), csv: (row) => row.scopes.join(' ') },
    { key: 'created', header: t('created'), cell: (row) => format.date(row.createdAt), csv: (row) => new Date(row.createdAt).toISOString() },
    { key: 'expires', header: t('expires'), cell: (row) => (row.expiresAt === null ? t('never') : format.date(row.expiresAt)), csv: (row) => row.expiresAt },
    { key: 'status', header: t('status'), cell: (row) => <Badge tone={stateOf(row) === 'active' ? 'good' : 'neutral'}>{t(stateOf(row))}</Badge>, csv: (row) => stateOf(row) },
    {
      key: 'revoke',
      header: t('revoke'),
      csv: () => '',
      cell: (row) =>
        stateOf(row) === 'active' ? (
          <Button variant="ghost" aria-label={`${t('revoke')}: ${row.name}`} onClick={() => window.confirm(t('confirmRevoke', { name: row.name })) && revoke.mutate(row.id)}>
            {t('revoke')}
          </Button>
        ) : null,
    },
  ];
  return (
    <Card title={t('writeKeys')}>
      <p className="muted">{t('writeKeysHint')}</p>
      {created === undefined ? null : <Secret name={created.name} secret={created.key} onDone={() => setCreated(undefined)} />}
      <ErrorNotice error={revoke.error} />
      {list.isPending ? <Loading /> : null}
      <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />
      {list.data === undefined ? null : <DataTable caption={t('writeKeys')} columns={columns} rows={list.data.writeKeys} rowKey={(row) => row.id} />}
      <h3>{t('newWriteKey')}</h3>
      <form
        className="settings-grid"
        onSubmit={(event) => {
          event.preventDefault();
          if (name.trim() !== '' && scopes.length > 0) create.mutate();
        }}
      >
        <Field label={t('name')} error={error?.fieldMessage('name')}>
          {(props) => <input {...props} required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />}
        </Field>
        <Field label={t('expiresAt')} error={error?.fieldMessage('expiresAt')}>
          {(props) => <input {...props} type="date" value={expires} onChange={(event) => setExpires(event.target.value)} />}
        </Field>
        <ScopePicker legend={t('scopes')} all={WRITE_SCOPES} value={scopes} onChange={setScopes} />
        <div className="settings-actions">
          <Button type="submit" variant="primary" busy={create.isPending} disabled={name.trim() === '' || scopes.length === 0}>
            {t('create')}
          </Button>
        </div>
      </form>
      {create.error !== null && (error === undefined || error.issues.length === 0) ? <ErrorNotice error={create.error} /> : null}
    </Card>
  );
}

function AdminTokens() {
  const t = useT(messages);
  const format = useFormat();
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['admin-tokens'], queryFn: () => api.get<{ adminTokens: AdminToken[] }>('/api/v1/admin-tokens') });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<(typeof TOKEN_SCOPES)[number][]>(['read']);
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<{ name: string; secret: string } | undefined>();
  const create = useMutation({
    mutationFn: () =>
      api.post<{ token: AdminToken; secret: string }>('/api/v1/admin-tokens', { body: { name: name.trim(), scopes, ...(expiryOf(expires) === undefined ? {} : { expiresAt: expiryOf(expires) }) } }),
    onSuccess: async (answer) => {
      setCreated({ name: answer.token.name, secret: answer.secret });
      setName('');
      await client.invalidateQueries({ queryKey: ['admin-tokens'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/admin-tokens/{id}', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin-tokens'] }),
  });
  const error = create.error instanceof ApiError ? create.error : undefined;
  const columns: Column<AdminToken>[] = [
    { key: 'name', header: t('name'), cell: (row) => row.name },
    { key: 'scopes', header: t('scopes'), cell: (row) => row.scopes.map((scope) => t(`scope_${scope}` as 'scope_read')).join(', '), csv: (row) => row.scopes.join(' ') },
    { key: 'created', header: t('created'), cell: (row) => format.date(row.createdAt), csv: (row) => new Date(row.createdAt).toISOString() },
    { key: 'lastUsed', header: t('lastUsed'), cell: (row) => (row.lastUsedAt === null ? '—' : format.relative(row.lastUsedAt)), csv: (row) => row.lastUsedAt },
    { key: 'expires', header: t('expires'), cell: (row) => (row.expiresAt === null ? t('never') : format.date(row.expiresAt)), csv: (row) => row.expiresAt },
    { key: 'status', header: t('status'), cell: (row) => <Badge tone={stateOf(row) === 'active' ? 'good' : 'neutral'}>{t(stateOf(row))}</Badge>, csv: (row) => stateOf(row) },
    {
      key: 'revoke',
      header: t('revoke'),
      csv: () => '',
      cell: (row) =>
        stateOf(row) === 'active' && row.scope === 'workspace' ? (
          <Button variant="ghost" aria-label={`${t('revoke')}: ${row.name}`} onClick={() => window.confirm(t('confirmRevoke', { name: row.name })) && revoke.mutate(row.id)}>
            {t('revoke')}
          </Button>
        ) : null,
    },
  ];
  return (
    <Card title={t('adminTokens')}>
      <p className="muted">{t('adminTokensHint')}</p>
      {created === undefined ? null : <Secret name={created.name} secret={created.secret} onDone={() => setCreated(undefined)} />}
      <ErrorNotice error={revoke.error} />
      {list.isPending ? <Loading /> : null}
      <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />
      {list.data === undefined ? null : <DataTable caption={t('adminTokens')} columns={columns} rows={list.data.adminTokens} rowKey={(row) => row.id} />}
      <h3>{t('newAdminToken')}</h3>
      <form
        className="settings-grid"
        onSubmit={(event) => {
          event.preventDefault();
          if (name.trim() !== '' && scopes.length > 0) create.mutate();
        }}
      >
        <Field label={t('name')} error={error?.fieldMessage('name')}>
          {(props) => <input {...props} required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />}
        </Field>
        <Field label={t('expiresAt')} error={error?.fieldMessage('expiresAt')}>
          {(props) => <input {...props} type="date" value={expires} onChange={(event) => setExpires(event.target.value)} />}
        </Field>
        <ScopePicker legend={t('scopes')} all={TOKEN_SCOPES} value={scopes} onChange={setScopes} />
        <div className="settings-actions">
          <Button type="submit" variant="primary" busy={create.isPending} disabled={name.trim() === '' || scopes.length === 0}>
            {t('create')}
          </Button>
        </div>
      </form>
      {create.error !== null && (error === undefined || error.issues.length === 0) ? <ErrorNotice error={create.error} /> : null}
    </Card>
  );
}

interface Member {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  hasPassword: boolean;
}
interface Invitation {
  id: string;
  email: string;
  role: Role;
  createdAt: number;
  expiresAt: number;
}

const ROLES: Role[] = ['owner', 'admin', 'marketer', 'analyst'];

export function UsersTab() {
  const t = useT(messages);
  const format = useFormat();
  const client = useQueryClient();
  const { me } = useSession();
  const list = useQuery({ queryKey: ['users'], enabled: canAdminister(me?.role), queryFn: () => api.get<{ users: Member[]; invitations: Invitation[] }>('/api/v1/users') });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('marketer');
  const [link, setLink] = useState<{ email: string; url: string } | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const grantable = ROLES.filter((entry) => entry !== 'owner' || me?.role === 'owner');
  const invite = useMutation({
    mutationFn: () => api.post<{ link: string; invitation: Invitation }>('/api/v1/users', { body: { email: email.trim(), role } }),
    onSuccess: async (answer) => {
      setLink({ email: answer.invitation.email, url: new URL(answer.link, window.location.origin).toString() });
      setEmail('');
      await client.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const change = useMutation({
    mutationFn: ({ id, next }: { id: string; next: Role; email: string }) => api.patch('/api/v1/users/{id}', { params: { id }, body: { role: next } }),
    onSuccess: async (_answer, { next, email: who }) => {
      setNotice(t('roleChanged', { email: who, role: t(`role_${next}`) }));
      await client.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/users/{id}', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }),
  });
  const error = invite.error instanceof ApiError ? invite.error : undefined;
  const columns: Column<Member>[] = [
    {
      key: 'email',
      header: t('email'),
      cell: (row) => (
        <>
          {row.displayName === '' ? row.email : `${row.displayName} · ${row.email}`} {row.id === me?.user.id ? <Badge tone="info">{t('you')}</Badge> : null}
          {row.hasPassword ? null : <Badge tone="warn">{t('pendingSetup')}</Badge>}
        </>
      ),
      csv: (row) => row.email,
    },
    {
      key: 'role',
      header: t('role'),
      csv: (row) => row.role,
      cell: (row) =>
        row.id === me?.user.id || (row.role === 'owner' && me?.role !== 'owner') ? (
          t(`role_${row.role}`)
        ) : (
          <select aria-label={`${t('role')}: ${row.email}`} value={row.role} onChange={(event) => change.mutate({ id: row.id, next: event.target.value as Role, email: row.email })}>
            {(row.role === 'owner' ? ROLES : grantable).map((entry) => (
              <option key={entry} value={entry}>
                {t(`role_${entry}`)}
              </option>
            ))}
          </select>
        ),
    },
    {
      key: 'remove',
      header: t('remove'),
      csv: () => '',
      cell: (row) =>
        row.id === me?.user.id ? null : (
          <Button variant="ghost" aria-label={`${t('remove')}: ${row.email}`} onClick={() => window.confirm(t('confirmRemove', { email: row.email })) && remove.mutate(row.id)}>
            {t('remove')}
          </Button>
        ),
    },
  ];
  const invitationColumns: Column<Invitation>[] = [
    { key: 'email', header: t('email'), cell: (row) => row.email },
    { key: 'role', header: t('role'), cell: (row) => t(`role_${row.role}`), csv: (row) => row.role },
    { key: 'created', header: t('invitedAt'), cell: (row) => format.dateTime(row.createdAt), csv: (row) => new Date(row.createdAt).toISOString() },
    { key: 'expires', header: t('expires'), cell: (row) => format.dateTime(row.expiresAt), csv: (row) => new Date(row.expiresAt).toISOString() },
  ];
  return (
    <AdminOnly>
      <div className="settings-stack">
        <Card title={t('invite')}>
          <p className="muted">{t('inviteHint')}</p>
          <form
            className="toolbar"
            onSubmit={(event) => {
              event.preventDefault();
              if (email.trim() !== '') invite.mutate();
            }}
          >
            <Field label={t('email')} error={error?.fieldMessage('email')}>
              {(props) => <input {...props} type="email" dir="ltr" required value={email} onChange={(event) => setEmail(event.target.value)} />}
            </Field>
            <Field label={t('role')} error={error?.fieldMessage('role')}>
              {(props) => (
                <select {...props} value={role} onChange={(event) => setRole(event.target.value as Role)}>
                  {grantable.map((entry) => (
                    <option key={entry} value={entry}>
                      {t(`role_${entry}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Button type="submit" variant="primary" busy={invite.isPending} disabled={email.trim() === ''}>
              {t('sendInvite')}
            </Button>
          </form>
          {invite.error !== null && (error === undefined || error.issues.length === 0) ? <ErrorNotice error={invite.error} /> : null}
          {link === undefined ? null : (
            <div className="notice good settings-secret" role="status">
              <label htmlFor="settings-invite-link">{t('inviteLink', { email: link.email })}</label>
              <input id="settings-invite-link" readOnly dir="ltr" value={link.url} onFocus={(event) => event.currentTarget.select()} data-testid="invite-link" />
              <Button onClick={() => void navigator.clipboard.writeText(link.url).catch(() => undefined)}>{t('copy')}</Button>
            </div>
          )}
        </Card>
        <Card title={t('members')}>
          {notice === undefined ? null : (
            <p className="notice good" role="status">
              {notice}
            </p>
          )}
          <ErrorNotice error={change.error ?? remove.error} />
          {list.isPending ? <Loading /> : null}
          <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />
          {list.data === undefined ? null : <DataTable caption={t('membersCaption')} columns={columns} rows={list.data.users} rowKey={(row) => row.id} csvName="members" />}
        </Card>
        {list.data === undefined || list.data.invitations.length === 0 ? null : (
          <Card title={t('invitations')}>
            <DataTable caption={t('invitationsCaption')} columns={invitationColumns} rows={list.data.invitations} rowKey={(row) => row.id} />
          </Card>
        )}
      </div>
    </AdminOnly>
  );
}

interface AuditEntry {
  id: string;
  at: number;
  tokenId: string;
  method: string;
  route: string;
  resourceIds: Record<string, string>;
  status: number;
  ip: string;
}

export function AuditTab() {
  const t = useT(messages);
  const format = useFormat();
  const { me } = useSession();
  const [range, setRange] = useState<{ from: string; to: string }>({ from: '', to: '' });
  const [applied, setApplied] = useState(range);
  const users = useQuery({ queryKey: ['users'], enabled: canAdminister(me?.role), queryFn: () => api.get<{ users: Member[] }>('/api/v1/users') });
  const tokens = useQuery({ queryKey: ['admin-tokens'], enabled: canAdminister(me?.role), queryFn: () => api.get<{ adminTokens: AdminToken[] }>('/api/v1/admin-tokens') });
  const audit = useInfiniteQuery({
    queryKey: ['audit', applied],
    enabled: canAdminister(me?.role),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page: { nextCursor: string | null }) => page.nextCursor ?? undefined,
    queryFn: ({ pageParam }) =>
      api.get<{ entries: AuditEntry[]; nextCursor: string | null }>('/api/v1/audit', {
        query: {
          limit: 100,
          cursor: pageParam,
          from: applied.from === '' ? undefined : new Date(`${applied.from}T00:00:00`).toISOString(),
          to: applied.to === '' ? undefined : new Date(`${applied.to}T23:59:59`).toISOString(),
        },
      }),
  });
  const who = new Map<string, string>([
    ...(users.data?.users ?? []).map((user) => [user.id, user.email] as const),
    ...(tokens.data?.adminTokens ?? []).map((token) => [token.id, token.name] as const),
  ]);
  const rows = (audit.data?.pages ?? []).flatMap((page) => page.entries);
  const columns: Column<AuditEntry>[] = [
    { key: 'at', header: t('at'), cell: (row) => format.dateTime(row.at), csv: (row) => new Date(row.at).toISOString() },
    { key: 'who', header: t('who'), cell: (row) => who.get(row.tokenId) ?? row.tokenId, csv: (row) => who.get(row.tokenId) ?? row.tokenId },
    { key: 'what', header: t('what'), cell: (row) => <code className="code" dir="ltr">{`${row.method} ${row.route}`}</code>, csv: (row) => `${row.method} ${row.route}` },
    {
      key: 'resource',
      header: t('resource'),
      cell: (row) =>
        Object.entries(row.resourceIds)
          .map(([key, value]) => `${key}=${value}`)
          .join(', '),
    },
    { key: 'status', header: t('status'), numeric: true, cell: (row) => <Badge tone={row.status < 400 ? 'good' : 'bad'}>{String(row.status)}</Badge>, csv: (row) => row.status },
    { key: 'ip', header: t('ip'), cell: (row) => row.ip },
  ];
  return (
    <AdminOnly>
      <Card title={t('audit')}>
        <form
          className="toolbar"
          onSubmit={(event) => {
            event.preventDefault();
            setApplied(range);
          }}
        >
          <Field label={t('from')}>{(props) => <input {...props} type="date" value={range.from} onChange={(event) => setRange({ ...range, from: event.target.value })} />}</Field>
          <Field label={t('to')}>{(props) => <input {...props} type="date" value={range.to} onChange={(event) => setRange({ ...range, to: event.target.value })} />}</Field>
          <Button type="submit">{t('filter')}</Button>
        </form>
        {audit.isPending ? <Loading /> : null}
        <ErrorNotice error={audit.error} onRetry={() => void audit.refetch()} />
        {audit.data === undefined ? null : <DataTable caption={t('auditCaption')} columns={columns} rows={rows} rowKey={(row) => row.id} csvName="audit-log" />}
        {audit.hasNextPage ? (
          <Button onClick={() => void audit.fetchNextPage()} busy={audit.isFetchingNextPage}>
            {t('more')}
          </Button>
        ) : null}
      </Card>
    </AdminOnly>
  );
}
