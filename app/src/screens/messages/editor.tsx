import { useEffect, useMemo, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { api, ApiError } from '../../api/client';
import { defineMessages, useFormat, useT } from '../../i18n/i18n';
import { canEdit, useSession } from '../../shell/session';
import { ConflictNotice } from '../../ui/conflict';
import { Badge, Button, Card, ErrorNotice, ErrorText, Field, Loading } from '../../ui/ui';
import { CodeArea, positionOf, type CodeAreaHandle } from './code-area';
import { channelMessages, profileLabel, STATUSES, statusMessages, type Profile, type TemplateContent, type TemplateDetail } from './shared';
// The rule the API bills by, the server's own code (pure: no Node API).
import { smsSegments } from '../../../../src/channels/sms-segments.js';

const messages = defineMessages({
  en: {
    conflict: 'Someone else saved version {version} of this template after you opened it',
    back: 'All templates',
    name: 'Name',
    subject: 'Subject',
    body: 'Body',
    bodyEmail: 'MJML or HTML with Liquid',
    bodyHint: "Liquid: {{ profile.first_name }}, {{ brand.name }}, {{ coupon.code }}, {% render 'snippet' %}.",
    text: 'Plain-text part (optional)',
    title: 'Title',
    url: 'Link',
    format: 'Format',
    saveDraft: 'Save draft',
    savePublish: 'Save and publish',
    saved: 'Saved as version {version}.',
    publishedNow: 'Version {version} is live: sends use it from now on.',
    publish: 'Publish version {version}',
    versionInfo: 'Latest version {latest} · published {published}',
    none: 'none',
    unsaved: 'Unsaved changes',
    errorAt: 'Line {line}',
    goToLine: 'Go to line {line}',
    preview: 'Preview',
    previewFor: 'Preview for',
    desktop: 'Desktop',
    mobile: 'Mobile',
    width: 'Width',
    previewNote: 'Renders the latest saved version for this person; a sample coupon code stands in.',
    previewTitle: 'Email preview for {who}',
    refresh: 'Refresh preview',
    subjectLine: 'Subject: {subject}',
    testSend: 'Test send',
    testTo: 'Send to',
    testToHintEmail: 'An email address: the rendering for the chosen person goes there, consent is not checked.',
    testToHintSms: 'A phone number in international format, e.g. +14155550123.',
    testToHintWebhook: 'A webhook URL (https://…).',
    send: 'Send test',
    testResult: 'Test send: {status} (message {id})',
    testResultReason: 'Reason: {reason}',
    noTestSend: 'Push and inbox messages cannot be test-sent to an address; use the preview.',
    segments: '{segments} segments · {units} characters · {encoding} · {remaining} left in this segment',
    segmentsOne: '1 segment · {units} characters · {encoding} · {remaining} left',
    ucs2: 'Characters outside GSM-7 (Arabic, Japanese, emoji…) make the whole message UCS-2: 70 characters per segment, 67 when split.',
    readOnly: 'Your role can read this template but not change it.',
    fix: 'The template was not saved: fix the problems marked below.',
  },
  ar: {
    conflict: 'حفظ شخص آخر الإصدار {version} من هذا القالب بعد أن فتحته',
    back: 'كل القوالب',
    name: 'الاسم',
    subject: 'الموضوع',
    body: 'المحتوى',
    bodyEmail: 'MJML أو HTML مع Liquid',
    bodyHint: "Liquid: {{ profile.first_name }}, {{ brand.name }}, {{ coupon.code }}, {% render 'snippet' %}",
    text: 'النص العادي (اختياري)',
    title: 'العنوان',
    url: 'الرابط',
    format: 'التنسيق',
    saveDraft: 'حفظ كمسودة',
    savePublish: 'حفظ ونشر',
    saved: 'حُفظ كإصدار {version}.',
    publishedNow: 'الإصدار {version} مفعّل: تستخدمه الرسائل من الآن.',
    publish: 'نشر الإصدار {version}',
    versionInfo: 'أحدث إصدار {latest} · المنشور {published}',
    none: 'لا يوجد',
    unsaved: 'تغييرات غير محفوظة',
    errorAt: 'السطر {line}',
    goToLine: 'انتقل إلى السطر {line}',
    preview: 'المعاينة',
    previewFor: 'معاينة لـ',
    desktop: 'سطح المكتب',
    mobile: 'الجوال',
    width: 'العرض',
    previewNote: 'تعرض آخر إصدار محفوظ لهذا الشخص؛ يُستخدم رمز قسيمة تجريبي.',
    previewTitle: 'معاينة البريد لـ {who}',
    refresh: 'تحديث المعاينة',
    subjectLine: 'الموضوع: {subject}',
    testSend: 'إرسال تجريبي',
    testTo: 'أرسل إلى',
    testToHintEmail: 'عنوان بريد إلكتروني: تُرسل إليه نسخة الشخص المختار، دون التحقق من الموافقة.',
    testToHintSms: 'رقم هاتف بالتنسيق الدولي، مثل ‎+14155550123.',
    testToHintWebhook: 'رابط Webhook (https://…).',
    send: 'إرسال تجريبي',
    testResult: 'الإرسال التجريبي: {status} (الرسالة {id})',
    testResultReason: 'السبب: {reason}',
    noTestSend: 'لا يمكن إرسال الإشعارات ورسائل الصندوق تجريبيًا إلى عنوان؛ استخدم المعاينة.',
    segments: '{segments} أجزاء · {units} حرفًا · {encoding} · يتبقى {remaining} في هذا الجزء',
    segmentsOne: 'جزء واحد · {units} حرفًا · {encoding} · يتبقى {remaining}',
    ucs2: 'الأحرف خارج GSM-7 (العربية، اليابانية، الرموز التعبيرية…) تجعل الرسالة كلها UCS-2: ‏70 حرفًا لكل جزء، و67 عند التقسيم.',
    readOnly: 'يمكن لدورك قراءة هذا القالب دون تعديله.',
    fix: 'لم يُحفظ القالب: أصلح المشكلات المحددة أدناه.',
  },
  ja: {
    conflict: 'このテンプレートは、開いた後に他の人がバージョン {version} を保存しました',
    back: 'テンプレート一覧',
    name: '名前',
    subject: '件名',
    body: '本文',
    bodyEmail: 'MJML または HTML（Liquid 使用可）',
    bodyHint: "Liquid: {{ profile.first_name }}, {{ brand.name }}, {{ coupon.code }}, {% render 'snippet' %}",
    text: 'テキスト版（任意）',
    title: 'タイトル',
    url: 'リンク',
    format: '形式',
    saveDraft: '下書き保存',
    savePublish: '保存して公開',
    saved: 'バージョン {version} として保存しました。',
    publishedNow: 'バージョン {version} を公開しました。今後の送信に使われます。',
    publish: 'バージョン {version} を公開',
    versionInfo: '最新バージョン {latest} · 公開中 {published}',
    none: 'なし',
    unsaved: '未保存の変更',
    errorAt: '{line} 行目',
    goToLine: '{line} 行目へ移動',
    preview: 'プレビュー',
    previewFor: 'プレビュー対象',
    desktop: 'デスクトップ',
    mobile: 'モバイル',
    width: '幅',
    previewNote: 'この人向けに最新の保存済みバージョンを表示します。クーポンコードはサンプルです。',
    previewTitle: '{who} 向けメールのプレビュー',
    refresh: 'プレビューを更新',
    subjectLine: '件名: {subject}',
    testSend: 'テスト送信',
    testTo: '送信先',
    testToHintEmail: 'メールアドレス。選んだ人向けの内容が届きます（同意は確認しません）。',
    testToHintSms: '国際形式の電話番号（例: +14155550123）。',
    testToHintWebhook: 'Webhook の URL（https://…）。',
    send: 'テスト送信',
    testResult: 'テスト送信: {status}（メッセージ {id}）',
    testResultReason: '理由: {reason}',
    noTestSend: 'プッシュとインボックスはアドレスへのテスト送信ができません。プレビューを使ってください。',
    segments: '{segments} セグメント · {units} 文字 · {encoding} · このセグメントの残り {remaining}',
    segmentsOne: '1 セグメント · {units} 文字 · {encoding} · 残り {remaining}',
    ucs2: 'GSM-7 以外の文字（アラビア語、日本語、絵文字など）があるとメッセージ全体が UCS-2 になります（1 セグメント 70 文字、分割時 67 文字）。',
    readOnly: 'あなたのロールではこのテンプレートを閲覧できますが、変更はできません。',
    fix: 'テンプレートは保存されていません。下に示した問題を修正してください。',
  },
});

type Key = keyof TemplateContent;

function fieldsOf(channel: TemplateDetail['channel']): Key[] {
  switch (channel) {
    case 'email':
      return ['subject', 'body', 'text'];
    case 'sms':
    case 'webhook':
      return ['body'];
    case 'push':
    case 'inbox':
      return ['title', 'body', 'url'];
  }
}

interface Rendered {
  subject?: string;
  html?: string;
  text: string;
  title?: string;
  url?: string;
}

export function TemplateEditor() {
  const { id } = useParams({ strict: false }) as { id: string };
  const template = useQuery({ queryKey: ['templates', id], queryFn: () => api.get<TemplateDetail>('/api/v1/templates/{id}', { params: { id } }) });
  if (template.isPending) return <Loading />;
  if (template.error !== null) return <ErrorNotice error={template.error} onRetry={() => void template.refetch()} />;
  return <Editor key={id} template={template.data} />;
}

function Editor({ template }: { template: TemplateDetail }) {
  const t = useT(messages);
  const tc = useT(channelMessages);
  const format = useFormat();
  const client = useQueryClient();
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const [name, setName] = useState(template.name);
  const [content, setContent] = useState<TemplateContent>(template.source.default);
  const [dirty, setDirty] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const [current, setCurrent] = useState(template);
  const codeRef = useRef<CodeAreaHandle>(null);

  const set = (key: Key, value: string) => {
    setContent((previous) => ({ ...previous, [key]: value }));
    setDirty(true);
  };

  // The version this edit started from: a save made from an older one answers template.edit_conflict.
  const [conflict, setConflict] = useState<string | undefined>(undefined);
  const save = useMutation({
    mutationFn: ({ publish, force }: { publish: boolean; force?: boolean }) =>
      api.put<TemplateDetail>('/api/v1/templates/{id}', {
        params: { id: template.id },
        body: { name: name.trim(), publish, source: { ...template.source, default: content }, ...(force === true ? {} : { expectedVersion: current.latestVersion }) },
      }),
    onError: (failure) => {
      if (failure instanceof ApiError && failure.code === 'template.edit_conflict') setConflict(failure.fieldMessage('expectedVersion') ?? '');
    },
    onSuccess: async (saved, { publish }) => {
      setConflict(undefined);
      setCurrent((previous) => ({ ...previous, ...saved }));
      setDirty(false);
      setNotice(publish ? t('publishedNow', { version: format.number(saved.latestVersion) }) : t('saved', { version: format.number(saved.latestVersion) }));
      await client.invalidateQueries({ queryKey: ['templates'] });
    },
  });
  const publish = useMutation({
    mutationFn: (version: number) => api.post<TemplateDetail>('/api/v1/templates/{id}/publish', { params: { id: template.id }, body: { version } }),
    onSuccess: async (saved) => {
      setCurrent((previous) => ({ ...previous, ...saved }));
      setNotice(t('publishedNow', { version: format.number(saved.publishedVersion ?? saved.latestVersion) }));
      await client.invalidateQueries({ queryKey: ['templates'] });
    },
  });
  const reload = async () => {
    const theirs = await api.get<TemplateDetail>('/api/v1/templates/{id}', { params: { id: template.id } });
    setCurrent(theirs);
    setName(theirs.name);
    setContent(theirs.source.default);
    setDirty(false);
    setConflict(undefined);
    save.reset();
    client.setQueryData(['templates', template.id], theirs);
  };
  const error = save.error instanceof ApiError && conflict === undefined ? save.error : undefined;
  const fieldError = (key: Key) => error?.fieldMessage(`default.${key}`);
  const bodyError = fieldError('body');
  const bodyPosition = positionOf(bodyError);
  const nameError = error?.fieldMessage('name');
  const shown = new Set<string>(fieldsOf(template.channel).map((key) => `default.${key}`));
  const otherErrors = error === undefined ? [] : error.issues.filter((issue) => ![...shown, 'name', 'body.name'].some((field) => issue.field === field || issue.field.endsWith(`.${field}`)));

  return (
    <div className="messages-editor">
      <div className="messages-editor-head">
        <Link to="/messages/templates">← {t('back')}</Link>
        <div className="messages-editor-meta">
          <Badge tone="info">{tc(template.channel)}</Badge>
          <span className="muted">
            {t('versionInfo', { latest: format.number(current.latestVersion), published: current.publishedVersion === null ? t('none') : format.number(current.publishedVersion) })}
          </span>
          {dirty ? <Badge tone="warn">{t('unsaved')}</Badge> : null}
        </div>
      </div>
      {editable ? null : <p className="notice info">{t('readOnly')}</p>}
      <div className="messages-editor-grid">
        <Card title={template.name}>
          <form
            className="form"
            onSubmit={(event) => {
              event.preventDefault();
              save.mutate({ publish: false });
            }}
          >
            <Field label={t('name')} error={nameError}>
              {(props) => (
                <input
                  {...props}
                  dir="auto"
                  value={name}
                  readOnly={!editable}
                  maxLength={200}
                  required
                  onChange={(event) => {
                    setName(event.target.value);
                    setDirty(true);
                  }}
                />
              )}
            </Field>
            {fieldsOf(template.channel).map((key) =>
              key === 'body' ? (
                <BodyField
                  key={key}
                  channel={template.channel}
                  value={content.body}
                  onChange={(value) => set('body', value)}
                  error={bodyError}
                  errorLine={bodyPosition?.line}
                  codeRef={codeRef}
                  readOnly={!editable}
                />
              ) : (
                <Field key={key} label={t(key === 'text' ? 'text' : key === 'url' ? 'url' : key === 'title' ? 'title' : 'subject')} error={fieldError(key)}>
                  {(props) =>
                    key === 'text' ? (
                      <textarea {...props} dir="auto" rows={4} readOnly={!editable} value={content.text ?? ''} onChange={(event) => set('text', event.target.value)} />
                    ) : (
                      <input
                        {...props}
                        dir={key === 'url' ? 'ltr' : 'auto'}
                        readOnly={!editable}
                        value={content[key] ?? ''}
                        maxLength={key === 'url' ? 2000 : 1000}
                        onChange={(event) => set(key, event.target.value)}
                      />
                    )
                  }
                </Field>
              ),
            )}
            {conflict === undefined ? null : (
              <ConflictNotice
                title={t('conflict', { version: conflict === '' ? '?' : format.number(Number(conflict)) })}
                busy={save.isPending}
                onOverwrite={() => save.mutate({ publish: save.variables?.publish ?? false, force: true })}
                onReload={() => void reload()}
              />
            )}
            {save.error !== null && conflict === undefined ? (
              <div className="notice bad" role="alert">
                {error !== undefined && error.issues.length > 0 ? <span>{t('fix')}</span> : <ErrorText error={save.error} />}
                {bodyPosition === undefined ? null : (
                  <Button variant="ghost" onClick={() => codeRef.current?.goTo(bodyPosition.line, bodyPosition.column)}>
                    {t('goToLine', { line: format.number(bodyPosition.line) })}
                  </Button>
                )}
                {otherErrors.map((issue) => (
                  <div key={`${issue.field}:${issue.message}`} className="small">
                    <code className="code">{issue.field}</code> {issue.message}
                  </div>
                ))}
              </div>
            ) : null}
            {notice === undefined || save.error !== null ? null : (
              <p className="notice good" role="status">
                {notice}
              </p>
            )}
            {editable ? (
              <div className="toolbar">
                <Button type="submit" busy={save.isPending && save.variables.publish === false}>
                  {t('saveDraft')}
                </Button>
                <Button variant="primary" onClick={() => save.mutate({ publish: true })} busy={save.isPending && save.variables.publish}>
                  {t('savePublish')}
                </Button>
                {current.publishedVersion !== current.latestVersion && !dirty ? (
                  <Button onClick={() => publish.mutate(current.latestVersion)} busy={publish.isPending}>
                    {t('publish', { version: format.number(current.latestVersion) })}
                  </Button>
                ) : null}
              </div>
            ) : null}
            <ErrorNotice error={publish.error} />
          </form>
        </Card>
        <PreviewPanel template={current} editable={editable} />
      </div>
    </div>
  );
}

function BodyField({
  channel,
  value,
  onChange,
  error,
  errorLine,
  codeRef,
  readOnly,
}: {
  channel: TemplateDetail['channel'];
  value: string;
  onChange(value: string): void;
  error: string | undefined;
  errorLine: number | undefined;
  codeRef: React.RefObject<CodeAreaHandle | null>;
  readOnly: boolean;
}) {
  const t = useT(messages);
  const format = useFormat();
  if (channel === 'sms') {
    const count = smsSegments(value);
    const vars = { segments: format.number(count.segments), units: format.number(count.units), encoding: count.encoding, remaining: format.number(count.remaining) };
    return (
      <Field label={t('body')} error={error} hint={count.encoding === 'UCS-2' ? t('ucs2') : undefined}>
        {(props) => (
          <div className="messages-sms">
            <textarea {...props} rows={6} readOnly={readOnly} value={value} maxLength={10000} onChange={(event) => onChange(event.target.value)} />
            <output className="messages-segments" aria-live="polite" data-testid="sms-segments">
              {count.segments === 1 ? t('segmentsOne', vars) : t('segments', vars)}
            </output>
          </div>
        )}
      </Field>
    );
  }
  if (channel === 'push' || channel === 'inbox')
    return (
      <Field label={t('body')} error={error}>
        {(props) => <textarea {...props} rows={4} readOnly={readOnly} value={value} onChange={(event) => onChange(event.target.value)} />}
      </Field>
    );
  return (
    <Field
      label={channel === 'email' ? t('bodyEmail') : t('body')}
      hint={t('bodyHint')}
      error={error === undefined ? undefined : errorLine === undefined ? error : `${t('errorAt', { line: format.number(errorLine) })} — ${error}`}
    >
      {(props) => <CodeArea {...props} ref={codeRef} rows={18} readOnly={readOnly} value={value} onChange={onChange} errorLine={errorLine} />}
    </Field>
  );
}

function PreviewPanel({ template, editable }: { template: TemplateDetail; editable: boolean }) {
  const t = useT(messages);
  const profiles = useQuery({ queryKey: ['profiles', 'picker'], queryFn: () => api.get<{ profiles: Profile[] }>('/api/v1/profiles', { query: { limit: 50 } }) });
  const [profileId, setProfileId] = useState<string>('');
  const [width, setWidth] = useState<'desktop' | 'mobile'>('desktop');
  // People with a name or an email first: a preview for an anonymous visitor shows little.
  const people = useMemo(() => {
    const all = profiles.data?.profiles ?? [];
    return [...all.filter((profile) => profileLabel(profile) !== profile.id), ...all.filter((profile) => profileLabel(profile) === profile.id)];
  }, [profiles.data]);
  const chosen = profileId !== '' ? profileId : people[0]?.id;
  const preview = useQuery({
    queryKey: ['templates', template.id, 'preview', chosen, template.latestVersion],
    enabled: chosen !== undefined,
    queryFn: () => api.post<Rendered>('/api/v1/templates/{id}/preview', { params: { id: template.id }, body: { profileId: chosen, version: template.latestVersion } }),
  });
  const who = useMemo(() => {
    const profile = profiles.data?.profiles.find((entry) => entry.id === chosen);
    return profile === undefined ? (chosen ?? '') : profileLabel(profile);
  }, [profiles.data, chosen]);
  return (
    <div className="messages-side">
      <Card title={t('preview')}>
        <div className="toolbar">
          <Field label={t('previewFor')}>
            {(props) => (
              <select {...props} value={chosen ?? ''} onChange={(event) => setProfileId(event.target.value)}>
                {people.map((profile) => (
                  <option key={profile.id} value={profile.id}>
                    {profileLabel(profile)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {template.channel === 'email' ? (
            <div role="group" aria-label={t('width')} className="messages-width">
              <Button aria-pressed={width === 'desktop'} onClick={() => setWidth('desktop')}>
                {t('desktop')}
              </Button>
              <Button aria-pressed={width === 'mobile'} onClick={() => setWidth('mobile')}>
                {t('mobile')}
              </Button>
            </div>
          ) : null}
          <Button variant="ghost" onClick={() => void preview.refetch()} busy={preview.isFetching}>
            {t('refresh')}
          </Button>
        </div>
        <p className="muted small">{t('previewNote')}</p>
        <ErrorNotice error={preview.error} onRetry={() => void preview.refetch()} />
        {profiles.isPending || (preview.isPending && chosen !== undefined) ? <Loading /> : null}
        {preview.data === undefined ? null : <Rendering channel={template.channel} rendered={preview.data} width={width} who={who} />}
      </Card>
      {editable ? <TestSend template={template} profileId={chosen} /> : null}
    </div>
  );
}

function Rendering({ channel, rendered, width, who }: { channel: TemplateDetail['channel']; rendered: Rendered; width: 'desktop' | 'mobile'; who: string }) {
  const t = useT(messages);
  if (channel === 'email')
    return (
      <div className="messages-preview">
        {rendered.subject === undefined ? null : <p className="messages-subject">{t('subjectLine', { subject: rendered.subject })}</p>}
        <div className={`messages-frame ${width}`}>
          <iframe title={t('previewTitle', { who })} sandbox="" srcDoc={rendered.html ?? `<pre>${rendered.text.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))}</pre>`} />
        </div>
      </div>
    );
  if (channel === 'sms')
    return (
      <div className="messages-phone">
        <p className="messages-bubble" dir="auto">
          {rendered.text}
        </p>
      </div>
    );
  if (channel === 'push' || channel === 'inbox')
    return (
      <div className="messages-notification">
        <strong dir="auto">{rendered.title}</strong>
        <p dir="auto">{rendered.text}</p>
        {rendered.url === undefined || rendered.url === '' ? null : (
          <span className="muted small" dir="ltr">
            {rendered.url}
          </span>
        )}
      </div>
    );
  return (
    <pre className="messages-json" dir="ltr">
      {rendered.text}
    </pre>
  );
}

interface SendResult {
  status: string;
  messageId: string;
  reason?: string;
}

function TestSend({ template, profileId }: { template: TemplateDetail; profileId: string | undefined }) {
  const t = useT(messages);
  const ts = useT(statusMessages);
  const [to, setTo] = useState('');
  const [result, setResult] = useState<SendResult | undefined>();
  const send = useMutation({
    mutationFn: () => api.post<SendResult>('/api/v1/templates/{id}/test-send', { params: { id: template.id }, body: { profileId, to: to.trim(), version: template.latestVersion } }),
    onSuccess: setResult,
    onMutate: () => setResult(undefined),
  });
  useEffect(() => setResult(undefined), [template.latestVersion]);
  if (template.channel === 'push' || template.channel === 'inbox')
    return (
      <Card title={t('testSend')}>
        <p className="muted">{t('noTestSend')}</p>
      </Card>
    );
  const hint = template.channel === 'email' ? t('testToHintEmail') : template.channel === 'sms' ? t('testToHintSms') : t('testToHintWebhook');
  const toError = send.error instanceof ApiError ? send.error.fieldMessage('to') : undefined;
  return (
    <Card title={t('testSend')}>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          if (profileId !== undefined && to.trim().length >= 3) send.mutate();
        }}
      >
        <Field label={t('testTo')} hint={hint} error={toError}>
          {(props) => <input {...props} type={template.channel === 'email' ? 'email' : 'text'} dir="ltr" required value={to} onChange={(event) => setTo(event.target.value)} />}
        </Field>
        <Button type="submit" variant="primary" busy={send.isPending} disabled={profileId === undefined || to.trim().length < 3}>
          {t('send')}
        </Button>
      </form>
      {send.error !== null && toError === undefined ? <ErrorNotice error={send.error} /> : null}
      {result === undefined ? null : (
        <div className={`notice ${result.status === 'sent' || result.status === 'queued' ? 'good' : 'bad'}`} role="status" data-testid="test-send-result">
          <span>{t('testResult', { status: (STATUSES as readonly string[]).includes(result.status) ? ts(result.status as (typeof STATUSES)[number]) : result.status, id: result.messageId })}</span>
          {result.reason === undefined ? null : <span>{t('testResultReason', { reason: result.reason })}</span>}
        </div>
      )}
    </Card>
  );
}
