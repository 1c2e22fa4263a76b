import { useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet } from '@tanstack/react-router';
import { api, ApiError } from '../../api/client';
import { useTopicLabel } from '../../i18n/consent-topics';
import { defineMessages, useFormat, useT } from '../../i18n/i18n';
import { canAdminister, canEdit, useSession } from '../../shell/session';
import { ConflictNotice } from '../../ui/conflict';
import { Badge, Button, Card, DataTable, ErrorNotice, Field, Loading, Page, type Column } from '../../ui/ui';
import './settings.css';

const messages = defineMessages({
  en: {
    title: 'Settings',
    description: 'Your brand, the tracking snippet, channels, consent, identity, access and the audit trail.',
    tabs: 'Settings sections',
    brand: 'Brand',
    sdk: 'Install',
    channels: 'Channels',
    consent: 'Consent topics',
    identity: 'Identity rules',
    keys: 'Keys and tokens',
    users: 'Users and roles',
    audit: 'Audit log',
    readOnly: 'Your role can read these settings but not change them.',
    shopName: 'Shop name',
    shopUrl: 'Shop URL',
    logoUrl: 'Logo URL',
    primary: 'Primary colour',
    textColor: 'Text colour',
    background: 'Background colour',
    postalAddress: 'Postal address (footer of marketing email)',
    senderName: 'Sender name',
    senderEmail: 'Sender email',
    cartUrlPattern: 'Cart link pattern',
    cartHint: '{shop_url} and {cart_id} are filled in.',
    save: 'Save',
    saved: 'Saved.',
    brandConflict: 'Someone else saved the brand after you opened it.',
    identityConflict: 'Someone else saved the identity rules after you opened them.',
    topicConflict: 'Someone else changed the label of {key} after you opened it.',
    notConfigured: 'No brand saved yet: messages use the workspace name and no shop link.',
    snippet: 'Tracking snippet',
    snippetHint: 'Paste this before </head> on every page of the shop. It loads the Rapport SDK asynchronously and sends page views, identifies and on-site events with the write key {name}.',
    copy: 'Copy',
    copied: 'Copied to the clipboard.',
    writeKey: 'Write key',
    installCheck: 'Install check',
    perSource: 'Events received per write key',
    installHint: 'Did we receive events from the site? The last event the log holds, per write key.',
    check: 'Check again',
    source: 'Source',
    lastEvent: 'Last event received',
    events: 'Events in the log',
    serverSource: 'Imports and server calls',
    noEvents: 'No events received yet. Install the snippet, open the shop, then check again.',
    receiving: 'Receiving: last event {when}.',
    stale: 'Nothing in the last 24 hours: the last event came {when}.',
    channel: 'Channel',
    status: 'Status',
    configured: 'Configured',
    notSet: 'Not configured',
    outbox: 'Built-in outbox (no SMTP server set)',
    smtp: 'SMTP server',
    howTo: 'How to set it up',
    env_email: 'Set RAPPORT_SMTP_URL (smtp://user:pass@host:587) and RAPPORT_SMTP_FROM, then restart. Without it, email is kept in the built-in outbox.',
    env_sms: 'Set RAPPORT_TWILIO_ACCOUNT_SID, RAPPORT_TWILIO_AUTH_TOKEN and RAPPORT_SMS_FROM, then restart.',
    env_push: 'Set RAPPORT_VAPID_KEYS_FILE and RAPPORT_VAPID_SUBJECT, then restart.',
    env_webhook: 'Add webhook destinations through the API; messages are signed (Standard Webhooks).',
    env_inbox: 'Always on: messages appear in the on-site inbox widget.',
    test: 'Send a test',
    testHint: 'Sends a published template of this channel, rendered for a demo person, to the address you give.',
    template: 'Template',
    profile: 'Rendered for',
    to: 'Send to',
    send: 'Send test',
    result: 'Result: {status} (message {id})',
    reason: 'Reason: {reason}',
    noTemplate: 'No template for this channel yet: create one in Messages.',
    email: 'Email',
    sms: 'SMS',
    push: 'Push',
    webhook: 'Webhook',
    inbox: 'Inbox',
    topicsIntro:
      'Every preferences page (linked from the footer of each marketing email) offers these topics; a person can leave one topic and keep the others. Journeys and sends name a topic to respect it.',
    topic: 'Topic',
    key: 'Key',
    topicKind: 'Kind',
    builtIn: 'Built in',
    ownTopic: 'Added',
    label: 'Label',
    saveLabel: 'Save label',
    labelSaved: 'Label saved.',
    addTopic: 'Add a topic',
    newKey: 'Key',
    newKeyHint: 'Lower-case letters, digits, - or _, e.g. back_in_stock. Sends name this key.',
    newLabel: 'Label people read',
    add: 'Add topic',
    topicAdded: 'Topic {key} added.',
    topicsMore: 'Other topics appear once a person has a choice recorded for them (through the API or the SDK).',
    identityIntro: 'How identifiers join profiles: how many of each type one profile may hold and which wins in a conflict.',
    type: 'Identifier type',
    maxPerProfile: 'At most per profile',
    priority: 'Priority',
    unlimited: 'No limit',
    blocked: 'Blocked values',
    blockedHint: 'One per line. Added to the built-in junk values (null, anonymous, 0, …): these never join profiles.',
    phoneRegion: 'Default phone region',
    phoneHint: 'Two letters (ISO 3166), for numbers written without a country code, e.g. US, AE, JP.',
    external: 'Traits holding external ids',
    effective: 'Rules in force',
  },
  ar: {
    title: 'الإعدادات',
    description: 'علامتك التجارية، ومقتطف التتبع، والقنوات، والموافقة، والهوية، والوصول، وسجل التدقيق.',
    tabs: 'أقسام الإعدادات',
    brand: 'العلامة التجارية',
    sdk: 'التثبيت',
    channels: 'القنوات',
    consent: 'مواضيع الموافقة',
    identity: 'قواعد الهوية',
    keys: 'المفاتيح والرموز',
    users: 'المستخدمون والأدوار',
    audit: 'سجل التدقيق',
    readOnly: 'يمكن لدورك قراءة هذه الإعدادات دون تعديلها.',
    shopName: 'اسم المتجر',
    shopUrl: 'رابط المتجر',
    logoUrl: 'رابط الشعار',
    primary: 'اللون الأساسي',
    textColor: 'لون النص',
    background: 'لون الخلفية',
    postalAddress: 'العنوان البريدي (تذييل البريد التسويقي)',
    senderName: 'اسم المرسل',
    senderEmail: 'بريد المرسل',
    cartUrlPattern: 'نمط رابط السلة',
    cartHint: 'يُملأ {shop_url} و{cart_id} تلقائيًا.',
    save: 'حفظ',
    saved: 'تم الحفظ.',
    brandConflict: 'حفظ شخص آخر العلامة التجارية بعد أن فتحتها.',
    identityConflict: 'حفظ شخص آخر قواعد الهوية بعد أن فتحتها.',
    topicConflict: 'غيّر شخص آخر تسمية {key} بعد أن فتحتها.',
    notConfigured: 'لم تُحفظ علامة تجارية بعد: تستخدم الرسائل اسم مساحة العمل دون رابط للمتجر.',
    snippet: 'مقتطف التتبع',
    snippetHint: 'الصقه قبل ‎</head>‎ في كل صفحة من المتجر. يحمّل حزمة Rapport بشكل غير متزامن ويرسل مشاهدات الصفحات والتعريفات وأحداث الموقع بمفتاح الكتابة {name}.',
    copy: 'نسخ',
    copied: 'نُسخ إلى الحافظة.',
    writeKey: 'مفتاح الكتابة',
    installCheck: 'فحص التثبيت',
    perSource: 'الأحداث المستلمة لكل مفتاح كتابة',
    installHint: 'هل استلمنا أحداثًا من الموقع؟ آخر حدث في السجل لكل مفتاح كتابة.',
    check: 'افحص مجددًا',
    source: 'المصدر',
    lastEvent: 'آخر حدث مستلم',
    events: 'الأحداث في السجل',
    serverSource: 'الاستيراد واستدعاءات الخادم',
    noEvents: 'لم تُستلم أحداث بعد. ثبّت المقتطف، وافتح المتجر، ثم افحص مجددًا.',
    receiving: 'يتم الاستلام: آخر حدث {when}.',
    stale: 'لا شيء خلال آخر 24 ساعة: آخر حدث وصل {when}.',
    channel: 'القناة',
    status: 'الحالة',
    configured: 'مُهيّأة',
    notSet: 'غير مُهيّأة',
    outbox: 'صندوق الصادر المدمج (لا يوجد خادم SMTP)',
    smtp: 'خادم SMTP',
    howTo: 'طريقة الإعداد',
    env_email: 'اضبط RAPPORT_SMTP_URL ‏(smtp://user:pass@host:587) وRAPPORT_SMTP_FROM ثم أعد التشغيل. بدونه يُحفظ البريد في صندوق الصادر المدمج.',
    env_sms: 'اضبط RAPPORT_TWILIO_ACCOUNT_SID وRAPPORT_TWILIO_AUTH_TOKEN وRAPPORT_SMS_FROM ثم أعد التشغيل.',
    env_push: 'اضبط RAPPORT_VAPID_KEYS_FILE وRAPPORT_VAPID_SUBJECT ثم أعد التشغيل.',
    env_webhook: 'أضف وجهات Webhook عبر الواجهة البرمجية؛ الرسائل موقّعة (Standard Webhooks).',
    env_inbox: 'مفعّلة دائمًا: تظهر الرسائل في أداة صندوق الرسائل على الموقع.',
    test: 'إرسال تجريبي',
    testHint: 'يرسل قالبًا منشورًا لهذه القناة، مُعدًّا لشخص تجريبي، إلى العنوان الذي تحدده.',
    template: 'القالب',
    profile: 'مُعدّ لـ',
    to: 'أرسل إلى',
    send: 'إرسال تجريبي',
    result: 'النتيجة: {status} (الرسالة {id})',
    reason: 'السبب: {reason}',
    noTemplate: 'لا يوجد قالب لهذه القناة بعد: أنشئ واحدًا في الرسائل.',
    email: 'البريد الإلكتروني',
    sms: 'رسائل SMS',
    push: 'الإشعارات',
    webhook: 'Webhook',
    inbox: 'صندوق الرسائل',
    topicsIntro: 'تعرض كل صفحة تفضيلات (مرتبطة من تذييل كل بريد تسويقي) هذه المواضيع؛ يمكن للشخص ترك موضوع والإبقاء على غيره. تذكر الرحلات والرسائل موضوعًا لاحترامه.',
    topic: 'الموضوع',
    key: 'المفتاح',
    topicKind: 'النوع',
    builtIn: 'مدمج',
    ownTopic: 'مضاف',
    label: 'التسمية',
    saveLabel: 'احفظ التسمية',
    labelSaved: 'حُفظت التسمية.',
    addTopic: 'أضف موضوعًا',
    newKey: 'المفتاح',
    newKeyHint: 'حروف لاتينية صغيرة أو أرقام أو - أو _، مثل back_in_stock. تذكر الرسائل هذا المفتاح.',
    newLabel: 'التسمية التي يقرؤها الناس',
    add: 'أضف الموضوع',
    topicAdded: 'أُضيف الموضوع {key}.',
    topicsMore: 'تظهر مواضيع أخرى بمجرد تسجيل اختيار شخص لها (عبر الواجهة البرمجية أو الحزمة).',
    identityIntro: 'كيف تربط المعرّفات الملفات الشخصية: كم من كل نوع يحمل الملف الواحد وأيها يفوز عند التعارض.',
    type: 'نوع المعرّف',
    maxPerProfile: 'الحد الأقصى لكل ملف',
    priority: 'الأولوية',
    unlimited: 'بلا حد',
    blocked: 'القيم المحظورة',
    blockedHint: 'قيمة في كل سطر. تُضاف إلى القيم غير الصالحة المدمجة (null وanonymous و0…): لا تربط الملفات أبدًا.',
    phoneRegion: 'منطقة الهاتف الافتراضية',
    phoneHint: 'حرفان (ISO 3166) للأرقام المكتوبة دون رمز الدولة، مثل US وAE وJP.',
    external: 'سمات تحمل معرّفات خارجية',
    effective: 'القواعد السارية',
  },
  ja: {
    title: '設定',
    description: 'ブランド、トラッキングスニペット、チャネル、同意、ID、アクセス、監査ログ。',
    tabs: '設定のセクション',
    brand: 'ブランド',
    sdk: 'インストール',
    channels: 'チャネル',
    consent: '同意トピック',
    identity: 'ID ルール',
    keys: 'キーとトークン',
    users: 'ユーザーとロール',
    audit: '監査ログ',
    readOnly: 'あなたのロールではこれらの設定を閲覧できますが、変更はできません。',
    shopName: 'ショップ名',
    shopUrl: 'ショップ URL',
    logoUrl: 'ロゴ URL',
    primary: 'メインカラー',
    textColor: '文字色',
    background: '背景色',
    postalAddress: '住所（マーケティングメールのフッター）',
    senderName: '送信者名',
    senderEmail: '送信者メールアドレス',
    cartUrlPattern: 'カートリンクのパターン',
    cartHint: '{shop_url} と {cart_id} が埋め込まれます。',
    save: '保存',
    saved: '保存しました。',
    brandConflict: 'ブランドは、開いた後に他の人が保存しました。',
    identityConflict: 'ID ルールは、開いた後に他の人が保存しました。',
    topicConflict: '{key} のラベルは、開いた後に他の人が変更しました。',
    notConfigured: 'ブランドはまだ保存されていません。メッセージにはワークスペース名が使われ、ショップへのリンクはありません。',
    snippet: 'トラッキングスニペット',
    snippetHint: 'ショップの全ページの </head> の前に貼り付けてください。Rapport SDK を非同期で読み込み、書き込みキー {name} でページビュー・識別・オンサイトイベントを送信します。',
    copy: 'コピー',
    copied: 'クリップボードにコピーしました。',
    writeKey: '書き込みキー',
    installCheck: 'インストール確認',
    perSource: '書き込みキーごとの受信イベント',
    installHint: 'サイトからイベントを受信しましたか？ 書き込みキーごとにログ内の最新イベントを表示します。',
    check: '再確認',
    source: 'ソース',
    lastEvent: '最後に受信したイベント',
    events: 'ログ内のイベント数',
    serverSource: 'インポートとサーバー呼び出し',
    noEvents: 'まだイベントを受信していません。スニペットを設置してショップを開き、再確認してください。',
    receiving: '受信中: 最新イベント {when}。',
    stale: '過去 24 時間は受信なし: 最新イベントは {when}。',
    channel: 'チャネル',
    status: 'ステータス',
    configured: '設定済み',
    notSet: '未設定',
    outbox: '内蔵の送信箱（SMTP サーバー未設定）',
    smtp: 'SMTP サーバー',
    howTo: '設定方法',
    env_email: 'RAPPORT_SMTP_URL（smtp://user:pass@host:587）と RAPPORT_SMTP_FROM を設定して再起動します。未設定の場合、メールは内蔵の送信箱に保存されます。',
    env_sms: 'RAPPORT_TWILIO_ACCOUNT_SID、RAPPORT_TWILIO_AUTH_TOKEN、RAPPORT_SMS_FROM を設定して再起動します。',
    env_push: 'RAPPORT_VAPID_KEYS_FILE と RAPPORT_VAPID_SUBJECT を設定して再起動します。',
    env_webhook: 'API で Webhook の送信先を追加します。メッセージには署名が付きます（Standard Webhooks）。',
    env_inbox: '常に有効: メッセージはオンサイトのインボックスウィジェットに表示されます。',
    test: 'テスト送信',
    testHint: 'このチャネルの公開済みテンプレートをデモの人向けに表示して、指定したアドレスに送ります。',
    template: 'テンプレート',
    profile: '表示対象',
    to: '送信先',
    send: 'テスト送信',
    result: '結果: {status}（メッセージ {id}）',
    reason: '理由: {reason}',
    noTemplate: 'このチャネルのテンプレートはまだありません。メッセージで作成してください。',
    email: 'メール',
    sms: 'SMS',
    push: 'プッシュ',
    webhook: 'Webhook',
    inbox: 'インボックス',
    topicsIntro:
      '各マーケティングメールのフッターからリンクされる設定ページでは、これらのトピックを選べます。1 つのトピックだけ停止し、他は残すこともできます。ジャーニーと送信はトピックを指定して尊重します。',
    topic: 'トピック',
    key: 'キー',
    topicKind: '種別',
    builtIn: '組み込み',
    ownTopic: '追加',
    label: 'ラベル',
    saveLabel: 'ラベルを保存',
    labelSaved: 'ラベルを保存しました。',
    addTopic: 'トピックを追加',
    newKey: 'キー',
    newKeyHint: '英小文字・数字・-・_（例: back_in_stock）。配信ではこのキーを指定します。',
    newLabel: '表示ラベル',
    add: 'トピックを追加',
    topicAdded: 'トピック {key} を追加しました。',
    topicsMore: 'その他のトピックは、誰かの選択が（API または SDK で）記録されると表示されます。',
    identityIntro: '識別子がプロフィールを結び付ける方法: 1 つのプロフィールが各種類をいくつ持てるか、競合時にどれが優先されるか。',
    type: '識別子の種類',
    maxPerProfile: 'プロフィールあたりの上限',
    priority: '優先度',
    unlimited: '上限なし',
    blocked: 'ブロックする値',
    blockedHint: '1 行に 1 つ。内蔵の無効値（null、anonymous、0 など）に追加されます。これらはプロフィールを結び付けません。',
    phoneRegion: '既定の電話番号の地域',
    phoneHint: '国番号なしの番号に使う 2 文字（ISO 3166）。例: US、AE、JP。',
    external: '外部 ID を持つ属性',
    effective: '適用中のルール',
  },
});

function Tab({ to, children }: { to: string; children: ReactNode }) {
  return (
    <Link to={to} activeOptions={{ includeSearch: false }} activeProps={{ 'aria-current': 'page' }}>
      {children}
    </Link>
  );
}

export function SettingsLayout() {
  const t = useT(messages);
  const { me } = useSession();
  const admin = canAdminister(me?.role);
  return (
    <Page title={t('title')} description={t('description')}>
      <nav className="tabs settings-tabs" aria-label={t('tabs')}>
        <Tab to="/settings/brand">{t('brand')}</Tab>
        <Tab to="/settings/sdk">{t('sdk')}</Tab>
        <Tab to="/settings/channels">{t('channels')}</Tab>
        <Tab to="/settings/consent">{t('consent')}</Tab>
        <Tab to="/settings/identity">{t('identity')}</Tab>
        {admin ? <Tab to="/settings/keys">{t('keys')}</Tab> : null}
        {admin ? <Tab to="/settings/users">{t('users')}</Tab> : null}
        {admin ? <Tab to="/settings/audit">{t('audit')}</Tab> : null}
      </nav>
      <div className="settings-body">
        <Outlet />
      </div>
    </Page>
  );
}

interface BrandView {
  configured: boolean;
  shopName: string;
  shopUrl: string | null;
  logoUrl: string | null;
  colors: { primary: string; text: string; background: string };
  postalAddress: string | null;
  senderName: string | null;
  senderEmail: string | null;
  cartUrlPattern: string;
  /** When it was last saved (null: never); sent back so a save over someone else's is refused. */
  updatedAt: string | null;
}

type BrandForm = Record<'shopName' | 'shopUrl' | 'logoUrl' | 'primary' | 'text' | 'background' | 'postalAddress' | 'senderName' | 'senderEmail' | 'cartUrlPattern', string>;

function formOf(brand: BrandView): BrandForm {
  return {
    shopName: brand.shopName,
    shopUrl: brand.shopUrl ?? '',
    logoUrl: brand.logoUrl ?? '',
    primary: brand.colors.primary,
    text: brand.colors.text,
    background: brand.colors.background,
    postalAddress: brand.postalAddress ?? '',
    senderName: brand.senderName ?? '',
    senderEmail: brand.senderEmail ?? '',
    cartUrlPattern: brand.cartUrlPattern,
  };
}

const HEX = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const URL_RE = /^https?:\/\/\S+$/;
const EMAIL_RE = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

export function BrandTab() {
  const brand = useQuery({ queryKey: ['brand'], queryFn: () => api.get<BrandView>('/api/v1/settings/brand') });
  if (brand.isPending) return <Loading />;
  if (brand.error !== null) return <ErrorNotice error={brand.error} onRetry={() => void brand.refetch()} />;
  return <BrandEditor brand={brand.data} />;
}

function BrandEditor({ brand }: { brand: BrandView }) {
  const t = useT(messages);
  const { me } = useSession();
  const editable = canAdminister(me?.role) || canEdit(me?.role);
  const client = useQueryClient();
  const [form, setForm] = useState<BrandForm>(() => formOf(brand));
  const [saved, setSaved] = useState(false);
  // The brand this edit started from: a save made over a newer one answers brand.edit_conflict.
  const [base, setBase] = useState(brand.updatedAt);
  const [conflict, setConflict] = useState(false);
  const save = useMutation({
    mutationFn: ({ force }: { force: boolean }) => {
      const optional = (value: string) => (value.trim() === '' ? undefined : value.trim());
      const body = {
        shopName: form.shopName.trim(),
        shopUrl: form.shopUrl.trim(),
        logoUrl: optional(form.logoUrl),
        colors: { primary: form.primary, text: form.text, background: form.background },
        postalAddress: optional(form.postalAddress),
        senderName: optional(form.senderName),
        senderEmail: optional(form.senderEmail),
        cartUrlPattern: optional(form.cartUrlPattern),
      };
      return api.put<BrandView>('/api/v1/settings/brand', { body: JSON.parse(JSON.stringify(body)) as unknown, ...(force ? {} : { query: { expectedUpdatedAt: base ?? 'never' } }) });
    },
    onError: (failure) => setConflict(failure instanceof ApiError && failure.code === 'brand.edit_conflict'),
    onSuccess: async (next) => {
      setConflict(false);
      setBase(next.updatedAt);
      setSaved(true);
      client.setQueryData(['brand'], next);
      await client.invalidateQueries({ queryKey: ['brand'] });
    },
  });
  const reload = async () => {
    const theirs = await api.get<BrandView>('/api/v1/settings/brand');
    setForm(formOf(theirs));
    setBase(theirs.updatedAt);
    setConflict(false);
    save.reset();
    client.setQueryData(['brand'], theirs);
  };
  const apiError = save.error instanceof ApiError && !conflict ? save.error : undefined;
  const local: Partial<Record<keyof BrandForm, string>> = {};
  if (form.shopUrl !== '' && !URL_RE.test(form.shopUrl.trim())) local.shopUrl = 'http:// or https://';
  if (form.logoUrl !== '' && !URL_RE.test(form.logoUrl.trim())) local.logoUrl = 'http:// or https://';
  for (const key of ['primary', 'text', 'background'] as const) if (!HEX.test(form[key])) local[key] = '#rrggbb';
  if (form.senderEmail !== '' && !EMAIL_RE.test(form.senderEmail.trim())) local.senderEmail = 'name@example.com';
  const errorOf = (key: keyof BrandForm) => local[key] ?? apiError?.fieldMessage(key === 'primary' || key === 'text' || key === 'background' ? `colors.${key}` : key);
  const set = (key: keyof BrandForm) => (value: string) => {
    setForm((previous) => ({ ...previous, [key]: value }));
    setSaved(false);
  };
  const text = (key: keyof BrandForm, label: string, extra: { hint?: string; type?: string; required?: boolean; dir?: 'ltr' } = {}) => (
    <Field label={label} hint={extra.hint} error={errorOf(key)}>
      {(props) => <input {...props} type={extra.type ?? 'text'} dir={extra.dir} readOnly={!editable} required={extra.required} value={form[key]} onChange={(event) => set(key)(event.target.value)} />}
    </Field>
  );
  const colour = (key: 'primary' | 'text' | 'background', label: string) => (
    <Field label={label} error={errorOf(key)}>
      {(props) => (
        <span className="settings-colour">
          <input
            type="color"
            aria-label={label}
            disabled={!editable}
            value={HEX.test(form[key]) && form[key].length === 7 ? form[key] : '#000000'}
            onChange={(event) => set(key)(event.target.value)}
          />
          <input {...props} dir="ltr" readOnly={!editable} value={form[key]} onChange={(event) => set(key)(event.target.value)} />
        </span>
      )}
    </Field>
  );
  return (
    <Card title={t('brand')}>
      {brand.configured ? null : <p className="notice info">{t('notConfigured')}</p>}
      {editable ? null : <p className="notice info">{t('readOnly')}</p>}
      <form
        className="settings-grid"
        onSubmit={(event) => {
          event.preventDefault();
          if (Object.keys(local).length === 0) save.mutate({ force: false });
        }}
      >
        {text('shopName', t('shopName'), { required: true })}
        {text('shopUrl', t('shopUrl'), { type: 'url', required: true, dir: 'ltr' })}
        {text('logoUrl', t('logoUrl'), { type: 'url', dir: 'ltr' })}
        {colour('primary', t('primary'))}
        {colour('text', t('textColor'))}
        {colour('background', t('background'))}
        {text('senderName', t('senderName'))}
        {text('senderEmail', t('senderEmail'), { type: 'email', dir: 'ltr' })}
        {text('postalAddress', t('postalAddress'))}
        {text('cartUrlPattern', t('cartUrlPattern'), { hint: t('cartHint'), dir: 'ltr' })}
        {conflict ? <ConflictNotice title={t('brandConflict')} busy={save.isPending} onOverwrite={() => save.mutate({ force: true })} onReload={() => void reload()} /> : null}
        {editable ? (
          <div className="settings-actions">
            <Button type="submit" variant="primary" busy={save.isPending}>
              {t('save')}
            </Button>
            {saved ? (
              <span className="notice good" role="status">
                {t('saved')}
              </span>
            ) : null}
          </div>
        ) : null}
      </form>
      {save.error !== null && !conflict && (apiError === undefined || apiError.issues.length === 0) ? <ErrorNotice error={save.error} /> : null}
    </Card>
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

interface SourceActivity {
  sourceId: string | null;
  lastReceivedAt: number;
  events: number;
}

export function SdkTab() {
  const t = useT(messages);
  const format = useFormat();
  const { me } = useSession();
  const admin = canAdminister(me?.role);
  const keys = useQuery({ queryKey: ['write-keys'], enabled: admin, queryFn: () => api.get<{ writeKeys: WriteKey[] }>('/api/v1/write-keys') });
  const sources = useQuery({ queryKey: ['event-sources'], queryFn: () => api.get<{ sources: SourceActivity[] }>('/api/v1/events/sources') });
  const active = (keys.data?.writeKeys ?? []).filter((key) => key.revokedAt === null && (key.expiresAt === null || key.expiresAt > Date.now()));
  const [chosen, setChosen] = useState<string | undefined>();
  const key = active.find((entry) => entry.id === chosen) ?? active[0];
  const [copied, setCopied] = useState(false);
  const origin = window.location.origin;
  const snippet = `<script async src="${origin}/sdk/v1/loader.js" data-write-key="${key?.key ?? 'YOUR_WRITE_KEY'}"></script>`;
  const keyName = new Map((keys.data?.writeKeys ?? []).map((entry) => [entry.id, entry.name]));
  const newest = sources.data?.sources[0];
  const columns: Column<SourceActivity>[] = [
    { key: 'source', header: t('source'), cell: (row) => (row.sourceId === null ? t('serverSource') : (keyName.get(row.sourceId) ?? row.sourceId)), csv: (row) => row.sourceId },
    { key: 'last', header: t('lastEvent'), cell: (row) => `${format.dateTime(row.lastReceivedAt)} (${format.relative(row.lastReceivedAt)})`, csv: (row) => new Date(row.lastReceivedAt).toISOString() },
    { key: 'events', header: t('events'), numeric: true, cell: (row) => format.number(row.events), csv: (row) => row.events },
  ];
  return (
    <div className="settings-stack">
      <Card title={t('snippet')}>
        <p className="muted">{t('snippetHint', { name: key?.name ?? '—' })}</p>
        {active.length > 1 ? (
          <Field label={t('writeKey')}>
            {(props) => (
              <select {...props} value={key?.id ?? ''} onChange={(event) => setChosen(event.target.value)}>
                {active.map((entry) => (
                  <option key={entry.id} value={entry.id}>
                    {entry.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        <pre className="settings-snippet" dir="ltr" tabIndex={0} aria-label={t('snippet')}>
          <code>{snippet}</code>
        </pre>
        <div className="toolbar">
          <Button
            variant="primary"
            onClick={() => {
              void navigator.clipboard
                .writeText(snippet)
                .then(() => setCopied(true))
                .catch(() => setCopied(false));
            }}
          >
            {t('copy')}
          </Button>
          {copied ? (
            <span className="notice good" role="status">
              {t('copied')}
            </span>
          ) : null}
        </div>
      </Card>
      <Card
        title={t('installCheck')}
        actions={
          <Button onClick={() => void sources.refetch()} busy={sources.isFetching}>
            {t('check')}
          </Button>
        }
      >
        <p className="muted">{t('installHint')}</p>
        <ErrorNotice error={sources.error} onRetry={() => void sources.refetch()} />
        {sources.isPending ? <Loading /> : null}
        {sources.data === undefined ? null : newest === undefined ? (
          <p className="notice warn" role="status">
            {t('noEvents')}
          </p>
        ) : (
          <p className={`notice ${Date.now() - newest.lastReceivedAt < 86_400_000 ? 'good' : 'warn'}`} role="status" data-testid="install-status">
            {Date.now() - newest.lastReceivedAt < 86_400_000 ? t('receiving', { when: format.relative(newest.lastReceivedAt) }) : t('stale', { when: format.relative(newest.lastReceivedAt) })}
          </p>
        )}
        {sources.data === undefined ? null : <DataTable caption={t('perSource')} columns={columns} rows={sources.data.sources} rowKey={(row) => row.sourceId ?? 'server'} />}
      </Card>
    </div>
  );
}

type ChannelName = 'email' | 'sms' | 'push' | 'webhook' | 'inbox';
const ALL_CHANNELS: ChannelName[] = ['email', 'sms', 'push', 'webhook', 'inbox'];

interface TemplateRow {
  id: string;
  name: string;
  channel: ChannelName;
  publishedVersion: number | null;
}

export function ChannelsTab() {
  const t = useT(messages);
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const status = useQuery({ queryKey: ['channels'], queryFn: () => api.get<{ configured: ChannelName[]; publicUrl?: string }>('/api/v1/channels') });
  const delivery = useQuery({ queryKey: ['outbox', 'delivery'], queryFn: () => api.get<{ delivery: 'outbox' | 'smtp' }>('/api/v1/outbox', { query: { limit: 1 } }) });
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => api.get<{ templates: TemplateRow[] }>('/api/v1/templates') });
  if (status.isPending) return <Loading />;
  if (status.error !== null) return <ErrorNotice error={status.error} onRetry={() => void status.refetch()} />;
  const configured = new Set(status.data.configured);
  return (
    <div className="settings-stack">
      {ALL_CHANNELS.map((channel) => (
        <Card key={channel} title={t(channel)} actions={configured.has(channel) ? <Badge tone="good">{t('configured')}</Badge> : <Badge tone="warn">{t('notSet')}</Badge>}>
          {channel === 'email' && delivery.data !== undefined ? <p>{delivery.data.delivery === 'smtp' ? t('smtp') : t('outbox')}</p> : null}
          <p className="muted small">{t(`env_${channel}`)}</p>
          {editable && configured.has(channel) && channel !== 'push' && channel !== 'inbox' ? (
            <ChannelTest channel={channel} templates={(templates.data?.templates ?? []).filter((template) => template.channel === channel && template.publishedVersion !== null)} />
          ) : null}
        </Card>
      ))}
    </div>
  );
}

function ChannelTest({ channel, templates }: { channel: ChannelName; templates: TemplateRow[] }) {
  const t = useT(messages);
  const [templateId, setTemplateId] = useState('');
  const [to, setTo] = useState('');
  const profiles = useQuery({ queryKey: ['profiles', 'first'], queryFn: () => api.get<{ profiles: { id: string }[] }>('/api/v1/profiles', { query: { limit: 1 } }) });
  const chosen = templateId !== '' ? templateId : templates[0]?.id;
  const send = useMutation({
    mutationFn: () =>
      api.post<{ status: string; messageId: string; reason?: string }>('/api/v1/templates/{id}/test-send', {
        params: { id: chosen ?? '' },
        body: { profileId: profiles.data?.profiles[0]?.id ?? '', to: to.trim() },
      }),
  });
  if (templates.length === 0) return <p className="muted">{t('noTemplate')}</p>;
  return (
    <details className="settings-test">
      <summary>{t('test')}</summary>
      <p className="muted small">{t('testHint')}</p>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          send.mutate();
        }}
      >
        <Field label={t('template')}>
          {(props) => (
            <select {...props} value={chosen} onChange={(event) => setTemplateId(event.target.value)}>
              {templates.map((template) => (
                <option key={template.id} value={template.id}>
                  {template.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('to')} error={send.error instanceof ApiError ? send.error.fieldMessage('to') : undefined}>
          {(props) => <input {...props} dir="ltr" type={channel === 'email' ? 'email' : 'text'} required value={to} onChange={(event) => setTo(event.target.value)} />}
        </Field>
        <Button type="submit" variant="primary" busy={send.isPending} disabled={to.trim().length < 3 || profiles.data?.profiles[0] === undefined}>
          {t('send')}
        </Button>
      </form>
      {send.error !== null && !(send.error instanceof ApiError && send.error.fieldMessage('to') !== undefined) ? <ErrorNotice error={send.error} /> : null}
      {send.data === undefined ? null : (
        <p className={`notice ${send.data.status === 'sent' || send.data.status === 'queued' ? 'good' : 'bad'}`} role="status">
          {t('result', { status: send.data.status, id: send.data.messageId })}
          {send.data.reason === undefined ? null : ` ${t('reason', { reason: send.data.reason })}`}
        </p>
      )}
    </details>
  );
}

interface ConsentTopic {
  key: string;
  label: string;
  builtIn: boolean;
  updatedAt: string | null;
}

export function ConsentTab() {
  const t = useT(messages);
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const client = useQueryClient();
  const topics = useQuery({ queryKey: ['consent-topics'], queryFn: () => api.get<{ topics: ConsentTopic[] }>('/api/v1/consent/topics') });
  const [key, setKey] = useState('');
  const [label, setLabel] = useState('');
  const [notice, setNotice] = useState<string | undefined>();
  const add = useMutation({
    mutationFn: () => api.post<ConsentTopic>('/api/v1/consent/topics', { body: { key: key.trim(), label: label.trim() } }),
    onSuccess: async (topic) => {
      setKey('');
      setLabel('');
      setNotice(t('topicAdded', { key: topic.key }));
      await client.invalidateQueries({ queryKey: ['consent-topics'] });
    },
  });
  // A built-in topic the workspace never relabelled reads in the screen's language.
  const shownLabel = useTopicLabel();
  const addError = add.error instanceof ApiError ? add.error : undefined;
  const columns: Column<ConsentTopic>[] = [
    { key: 'label', header: t('topic'), cell: (row) => (editable ? <LabelEditor topic={row} shown={shownLabel(row)} onSaved={setNotice} /> : shownLabel(row)), csv: (row) => shownLabel(row) },
    { key: 'key', header: t('key'), cell: (row) => <code className="code">{row.key}</code>, csv: (row) => row.key },
    {
      key: 'kind',
      header: t('topicKind'),
      cell: (row) => <Badge tone={row.builtIn ? 'info' : 'neutral'}>{row.builtIn ? t('builtIn') : t('ownTopic')}</Badge>,
      csv: (row) => (row.builtIn ? 'built-in' : 'added'),
    },
  ];
  return (
    <Card title={t('consent')}>
      <p>{t('topicsIntro')}</p>
      {topics.isPending ? <Loading /> : null}
      <ErrorNotice error={topics.error} onRetry={() => void topics.refetch()} />
      {topics.data === undefined ? null : <DataTable caption={t('consent')} columns={columns} rows={topics.data.topics} rowKey={(row) => row.key} />}
      {notice === undefined ? null : (
        <p className="notice good" role="status">
          {notice}
        </p>
      )}
      {editable ? (
        <form
          className="toolbar"
          aria-label={t('addTopic')}
          onSubmit={(event) => {
            event.preventDefault();
            add.mutate();
          }}
        >
          <Field label={t('newKey')} hint={t('newKeyHint')} error={addError?.fieldMessage('key')}>
            {(props) => <input {...props} value={key} dir="ltr" maxLength={64} onChange={(event) => setKey(event.target.value)} />}
          </Field>
          <Field label={t('newLabel')} error={addError?.fieldMessage('label')}>
            {(props) => <input {...props} value={label} maxLength={200} onChange={(event) => setLabel(event.target.value)} />}
          </Field>
          <Button type="submit" variant="primary" busy={add.isPending} disabled={key.trim() === '' || label.trim() === ''}>
            {t('add')}
          </Button>
        </form>
      ) : null}
      {addError !== undefined && addError.issues.length === 0 ? <ErrorNotice error={add.error} /> : null}
      <p className="muted small">{t('topicsMore')}</p>
    </Card>
  );
}

function LabelEditor({ topic, shown, onSaved }: { topic: ConsentTopic; shown: string; onSaved: (notice: string) => void }) {
  const t = useT(messages);
  const client = useQueryClient();
  const [label, setLabel] = useState(shown);
  // The label this edit started from: a save over one relabelled since answers consent.topic_edit_conflict.
  const [base, setBase] = useState(topic.updatedAt);
  const [conflict, setConflict] = useState(false);
  const save = useMutation({
    mutationFn: ({ force }: { force: boolean }) =>
      api.patch<ConsentTopic>('/api/v1/consent/topics/{key}', {
        params: { key: topic.key },
        body: { label: label.trim() },
        ...(force ? {} : { query: { expectedUpdatedAt: base ?? 'never' } }),
      }),
    onError: (failure) => setConflict(failure instanceof ApiError && failure.code === 'consent.topic_edit_conflict'),
    onSuccess: async (saved) => {
      setConflict(false);
      setBase(saved.updatedAt);
      onSaved(t('labelSaved'));
      await client.invalidateQueries({ queryKey: ['consent-topics'] });
    },
  });
  const reload = async () => {
    const { topics } = await api.get<{ topics: ConsentTopic[] }>('/api/v1/consent/topics');
    const theirs = topics.find((candidate) => candidate.key === topic.key);
    if (theirs !== undefined) {
      setLabel(theirs.label);
      setBase(theirs.updatedAt);
    }
    setConflict(false);
    save.reset();
    client.setQueryData(['consent-topics'], { topics });
  };
  return (
    <form
      className="settings-inline"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate({ force: false });
      }}
    >
      <Field label={<span className="visually-hidden">{`${t('label')}: ${topic.key}`}</span>} error={save.error instanceof ApiError ? save.error.fieldMessage('label') : undefined}>
        {(props) => <input {...props} value={label} maxLength={200} onChange={(event) => setLabel(event.target.value)} />}
      </Field>
      <Button type="submit" busy={save.isPending} disabled={label.trim() === '' || label.trim() === shown}>
        {t('saveLabel')}
      </Button>
      {conflict ? <ConflictNotice title={t('topicConflict', { key: topic.key })} busy={save.isPending} onOverwrite={() => save.mutate({ force: true })} onReload={() => void reload()} /> : null}
    </form>
  );
}

interface TypeRule {
  maxPerProfile: number | null;
  priority: number;
}
interface IdentityRules {
  overrides: { types?: Record<string, Partial<TypeRule>>; externalDefault?: Partial<TypeRule>; blockedValues?: string[]; externalIdTraits?: Record<string, string>; defaultPhoneRegion?: string };
  effective: { types: Record<string, TypeRule>; externalDefault: TypeRule; blockedValues: string[]; externalIdTraits: Record<string, string>; defaultPhoneRegion: string | null };
  /** When the overrides were last saved (null: never); sent back so a save over someone else's is refused. */
  updatedAt: string | null;
}

export function IdentityTab() {
  const rules = useQuery({ queryKey: ['identity-rules'], queryFn: () => api.get<IdentityRules>('/api/v1/identity-rules') });
  if (rules.isPending) return <Loading />;
  if (rules.error !== null) return <ErrorNotice error={rules.error} onRetry={() => void rules.refetch()} />;
  return <IdentityEditor rules={rules.data} />;
}

function IdentityEditor({ rules }: { rules: IdentityRules }) {
  const t = useT(messages);
  const format = useFormat();
  const { me } = useSession();
  const editable = canAdminister(me?.role);
  const client = useQueryClient();
  const [blocked, setBlocked] = useState((rules.overrides.blockedValues ?? []).join('\n'));
  const [region, setRegion] = useState(rules.overrides.defaultPhoneRegion ?? '');
  const [saved, setSaved] = useState(false);
  // The copy this edit started from: a save over a newer one answers identity.edit_conflict.
  const [base, setBase] = useState(rules.updatedAt);
  const [conflict, setConflict] = useState(false);
  const save = useMutation({
    mutationFn: ({ force }: { force: boolean }) => {
      const values = blocked
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      const { blockedValues: _b, defaultPhoneRegion: _r, ...rest } = rules.overrides;
      return api.put<IdentityRules>('/api/v1/identity-rules', {
        body: { ...rest, ...(values.length === 0 ? {} : { blockedValues: values }), ...(region.trim() === '' ? {} : { defaultPhoneRegion: region.trim().toUpperCase() }) },
        ...(force ? {} : { query: { expectedUpdatedAt: base ?? 'never' } }),
      });
    },
    onError: (failure) => setConflict(failure instanceof ApiError && failure.code === 'identity.edit_conflict'),
    onSuccess: async (next) => {
      setConflict(false);
      setBase(next.updatedAt);
      setSaved(true);
      await client.invalidateQueries({ queryKey: ['identity-rules'] });
    },
  });
  const reload = async () => {
    const theirs = await api.get<IdentityRules>('/api/v1/identity-rules');
    setBlocked((theirs.overrides.blockedValues ?? []).join('\n'));
    setRegion(theirs.overrides.defaultPhoneRegion ?? '');
    setBase(theirs.updatedAt);
    setConflict(false);
    save.reset();
    client.setQueryData(['identity-rules'], theirs);
  };
  const apiError = save.error instanceof ApiError && !conflict ? save.error : undefined;
  const regionLocal = region.trim() !== '' && !/^[A-Za-z]{2}$/.test(region.trim()) ? 'US, AE, JP…' : undefined;
  const typeRows = Object.entries(rules.effective.types).map(([type, rule]) => ({ type, ...rule }));
  return (
    <div className="settings-stack">
      <Card title={t('effective')}>
        <p className="muted">{t('identityIntro')}</p>
        <DataTable
          caption={t('effective')}
          columns={[
            { key: 'type', header: t('type'), cell: (row: (typeof typeRows)[number]) => <code className="code">{row.type}</code>, csv: (row) => row.type },
            { key: 'max', header: t('maxPerProfile'), numeric: true, cell: (row) => (row.maxPerProfile === null ? t('unlimited') : format.number(row.maxPerProfile)), csv: (row) => row.maxPerProfile },
            { key: 'priority', header: t('priority'), numeric: true, cell: (row) => format.number(row.priority), csv: (row) => row.priority },
          ]}
          rows={typeRows}
          rowKey={(row) => row.type}
        />
        {Object.keys(rules.effective.externalIdTraits).length === 0 ? null : (
          <p>
            {t('external')}:{' '}
            {Object.entries(rules.effective.externalIdTraits).map(([trait, type]) => (
              <code key={trait} className="code">{`${trait} → ${type}`}</code>
            ))}
          </p>
        )}
      </Card>
      <Card title={t('identity')}>
        {editable ? null : <p className="notice info">{t('readOnly')}</p>}
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault();
            if (regionLocal === undefined) save.mutate({ force: false });
          }}
        >
          <Field label={t('blocked')} hint={t('blockedHint')} error={apiError?.fieldMessage('blockedValues')}>
            {(props) => (
              <textarea
                {...props}
                dir="ltr"
                rows={5}
                readOnly={!editable}
                value={blocked}
                onChange={(event) => {
                  setBlocked(event.target.value);
                  setSaved(false);
                }}
              />
            )}
          </Field>
          <Field label={t('phoneRegion')} hint={t('phoneHint')} error={regionLocal ?? apiError?.fieldMessage('defaultPhoneRegion')}>
            {(props) => (
              <input
                {...props}
                dir="ltr"
                maxLength={2}
                readOnly={!editable}
                value={region}
                onChange={(event) => {
                  setRegion(event.target.value);
                  setSaved(false);
                }}
              />
            )}
          </Field>
          {conflict ? <ConflictNotice title={t('identityConflict')} busy={save.isPending} onOverwrite={() => save.mutate({ force: true })} onReload={() => void reload()} /> : null}
          {editable ? (
            <div className="settings-actions">
              <Button type="submit" variant="primary" busy={save.isPending}>
                {t('save')}
              </Button>
              {saved ? (
                <span className="notice good" role="status">
                  {t('saved')}
                </span>
              ) : null}
            </div>
          ) : null}
        </form>
        {save.error !== null && !conflict && (apiError === undefined || apiError.issues.length === 0) ? <ErrorNotice error={save.error} /> : null}
      </Card>
    </div>
  );
}
