import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api/client';
import { defineMessages, useFormat, useT } from '../../i18n/i18n';
import { canEdit, useSession } from '../../shell/session';
import { ConflictNotice } from '../../ui/conflict';
import { Badge, Button, Card, DataTable, Empty, ErrorNotice, Field, Loading, type Column } from '../../ui/ui';
import { CodeArea, positionOf } from './code-area';

const messages = defineMessages({
  en: {
    snippets: 'Snippets',
    caption: "Reusable Liquid blocks, included with {% render 'name' %}",
    name: 'Name',
    nameHint: 'Lower-case letters, digits, _ and -, up to 64 characters.',
    description: 'Description',
    version: 'Version',
    updated: 'Updated',
    edit: 'Edit',
    newSnippet: 'New snippet',
    source: 'Liquid source',
    save: 'Save new version',
    saved: '{name} saved as version {version}; templates render it from now on.',
    conflict: 'Someone else saved version {version} of this snippet after you opened it',
    versions: 'Versions of {name}',
    versionsCaption: 'Every saved version, newest first',
    restoredFrom: 'restored from {version}',
    view: 'Show',
    restore: 'Restore',
    restored: 'Version {version} is current again (saved as version {current}).',
    remove: 'Delete',
    confirmRemove: 'Delete the snippet {name} and all its versions?',
    removed: '{name} deleted.',
    close: 'Close',
    use: 'Include it in a template with',
    readOnly: 'Your role can read snippets but not change them.',
    badName: 'Use lower-case letters, digits, _ and -, starting with a letter or digit.',
    oldVersion: 'Version {version}',
    current: 'current',
  },
  ar: {
    snippets: 'المقتطفات',
    caption: "كتل Liquid قابلة لإعادة الاستخدام، تُضمَّن بـ {% render 'name' %}",
    name: 'الاسم',
    nameHint: 'أحرف لاتينية صغيرة وأرقام و_ و-، حتى 64 حرفًا.',
    description: 'الوصف',
    version: 'الإصدار',
    updated: 'آخر تحديث',
    edit: 'تحرير',
    newSnippet: 'مقتطف جديد',
    source: 'مصدر Liquid',
    save: 'حفظ إصدار جديد',
    saved: 'حُفظ {name} كإصدار {version}؛ تستخدمه القوالب من الآن.',
    conflict: 'حفظ شخص آخر الإصدار {version} من هذا المقتطف بعد أن فتحته',
    versions: 'إصدارات {name}',
    versionsCaption: 'كل الإصدارات المحفوظة، الأحدث أولًا',
    restoredFrom: 'مستعاد من {version}',
    view: 'عرض',
    restore: 'استعادة',
    restored: 'أصبح الإصدار {version} حاليًا مرة أخرى (حُفظ كإصدار {current}).',
    remove: 'حذف',
    confirmRemove: 'حذف المقتطف {name} وكل إصداراته؟',
    removed: 'حُذف {name}.',
    close: 'إغلاق',
    use: 'ضمّنه في قالب باستخدام',
    readOnly: 'يمكن لدورك قراءة المقتطفات دون تعديلها.',
    badName: 'استخدم أحرفًا لاتينية صغيرة وأرقامًا و_ و-، تبدأ بحرف أو رقم.',
    oldVersion: 'الإصدار {version}',
    current: 'الحالي',
  },
  ja: {
    snippets: 'スニペット',
    caption: "再利用できる Liquid ブロック。{% render 'name' %} で読み込みます",
    name: '名前',
    nameHint: '英小文字・数字・_・-、64 文字まで。',
    description: '説明',
    version: 'バージョン',
    updated: '更新日時',
    edit: '編集',
    newSnippet: '新しいスニペット',
    source: 'Liquid ソース',
    save: '新しいバージョンを保存',
    saved: '{name} をバージョン {version} として保存しました。今後テンプレートで使われます。',
    conflict: 'このスニペットは、開いた後に他の人がバージョン {version} を保存しました',
    versions: '{name} のバージョン',
    versionsCaption: '保存したすべてのバージョン（新しい順）',
    restoredFrom: '{version} から復元',
    view: '表示',
    restore: '復元',
    restored: 'バージョン {version} を現在のバージョンに戻しました（バージョン {current} として保存）。',
    remove: '削除',
    confirmRemove: 'スニペット {name} とそのすべてのバージョンを削除しますか？',
    removed: '{name} を削除しました。',
    close: '閉じる',
    use: 'テンプレートでの読み込み方',
    readOnly: 'あなたのロールではスニペットを閲覧できますが、変更はできません。',
    badName: '英小文字・数字・_・- を使い、英字か数字で始めてください。',
    oldVersion: 'バージョン {version}',
    current: '現在',
  },
});

interface Snippet {
  name: string;
  description: string;
  version: number;
  updatedAt: string;
}
interface SnippetDetail extends Snippet {
  source: string;
}
interface SnippetVersion {
  name: string;
  version: number;
  description: string;
  restoredFrom: number | null;
  createdAt: string;
  source?: string;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function SnippetsTab() {
  const t = useT(messages);
  const format = useFormat();
  const { me } = useSession();
  const editable = canEdit(me?.role);
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['snippets'], queryFn: () => api.get<{ snippets: Snippet[] }>('/api/v1/snippets') });
  const [editing, setEditing] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const remove = useMutation({
    mutationFn: (name: string) => api.delete('/api/v1/snippets/{name}', { params: { name } }),
    onSuccess: async (_result, name) => {
      setNotice(t('removed', { name }));
      if (editing === name) setEditing(undefined);
      await client.invalidateQueries({ queryKey: ['snippets'] });
    },
  });
  const columns: Column<Snippet>[] = [
    { key: 'name', header: t('name'), cell: (row) => <code className="code">{row.name}</code>, csv: (row) => row.name },
    { key: 'description', header: t('description'), cell: (row) => row.description },
    { key: 'version', header: t('version'), numeric: true, cell: (row) => format.number(row.version), csv: (row) => row.version },
    { key: 'updated', header: t('updated'), cell: (row) => format.dateTime(row.updatedAt), csv: (row) => row.updatedAt },
    {
      key: 'actions',
      header: t('edit'),
      csv: () => '',
      cell: (row) => (
        <span className="inline-field">
          <Button variant="ghost" aria-label={`${t('edit')}: ${row.name}`} onClick={() => setEditing(row.name)}>
            {editable ? t('edit') : t('view')}
          </Button>
          {editable ? (
            <Button variant="ghost" aria-label={`${t('remove')}: ${row.name}`} onClick={() => window.confirm(t('confirmRemove', { name: row.name })) && remove.mutate(row.name)}>
              {t('remove')}
            </Button>
          ) : null}
        </span>
      ),
    },
  ];
  return (
    <div className="messages-stack">
      {editable ? null : <p className="notice info">{t('readOnly')}</p>}
      <Card
        title={t('snippets')}
        actions={
          editable ? (
            <Button variant="primary" onClick={() => setEditing('')}>
              {t('newSnippet')}
            </Button>
          ) : undefined
        }
      >
        {notice === undefined ? null : (
          <p className="notice good" role="status">
            {notice}
          </p>
        )}
        <ErrorNotice error={remove.error} />
        {list.isPending ? <Loading /> : null}
        <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />
        {list.data === undefined ? null : <DataTable caption={t('caption')} columns={columns} rows={list.data.snippets} rowKey={(row) => row.name} csvName="snippets" />}
      </Card>
      {editing === undefined ? null : (
        <SnippetEditor
          key={editing}
          name={editing}
          editable={editable}
          onClose={() => setEditing(undefined)}
          onSaved={(name, version) => {
            setNotice(t('saved', { name, version: format.number(version) }));
            setEditing(name);
          }}
        />
      )}
    </div>
  );
}

function SnippetEditor({ name: initialName, editable, onClose, onSaved }: { name: string; editable: boolean; onClose(): void; onSaved(name: string, version: number): void }) {
  const t = useT(messages);
  const format = useFormat();
  const client = useQueryClient();
  const isNew = initialName === '';
  const detail = useQuery({ queryKey: ['snippets', initialName], enabled: !isNew, queryFn: () => api.get<SnippetDetail>('/api/v1/snippets/{name}', { params: { name: initialName } }) });
  const versions = useQuery({
    queryKey: ['snippets', initialName, 'versions'],
    enabled: !isNew,
    queryFn: () => api.get<{ versions: SnippetVersion[] }>('/api/v1/snippets/{name}/versions', { params: { name: initialName } }),
  });
  const [name, setName] = useState(initialName);
  const [description, setDescription] = useState<string | undefined>();
  const [source, setSource] = useState<string | undefined>();
  const [shown, setShown] = useState<SnippetVersion | undefined>();
  const [restoredNote, setRestoredNote] = useState<string | undefined>();
  const currentSource = source ?? detail.data?.source ?? '';
  const currentDescription = description ?? detail.data?.description ?? '';
  // The version this edit started from, fixed at the first keystroke (a background refetch may
  // bring someone else's): a save made from an older one answers snippet.edit_conflict.
  const [base, setBase] = useState<number | undefined>();
  const from = base ?? detail.data?.version;
  const editing =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      setBase((previous) => previous ?? detail.data?.version);
      set(value);
    };
  const [conflict, setConflict] = useState<string | undefined>();
  const save = useMutation({
    mutationFn: ({ force }: { force: boolean }) =>
      api.put<SnippetDetail>('/api/v1/snippets/{name}', {
        params: { name },
        body: { source: currentSource, description: currentDescription, ...(force || isNew || from === undefined ? {} : { expectedVersion: from }) },
      }),
    onError: (failure) => {
      if (!(failure instanceof ApiError && failure.code === 'snippet.edit_conflict')) return;
      setConflict(failure.fieldMessage('expectedVersion') ?? '');
      // The list and the versions show theirs; the edit and the version it started from stay.
      void client.invalidateQueries({ queryKey: ['snippets'] });
    },
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: ['snippets'] });
      setConflict(undefined);
      setBase(undefined);
      setSource(undefined);
      setDescription(undefined);
      onSaved(saved.name, saved.version);
    },
  });
  const reload = async () => {
    setConflict(undefined);
    setBase(undefined);
    setSource(undefined);
    setDescription(undefined);
    save.reset();
    await detail.refetch();
  };
  const restore = useMutation({
    mutationFn: (version: number) => api.post<SnippetDetail>('/api/v1/snippets/{name}/versions/{version}/restore', { params: { name: initialName, version: String(version) } }),
    onSuccess: async (saved, version) => {
      setSource(undefined);
      setShown(undefined);
      setRestoredNote(t('restored', { version: format.number(version), current: format.number(saved.version) }));
      await client.invalidateQueries({ queryKey: ['snippets'] });
    },
  });
  const show = useMutation({
    mutationFn: (version: number) => api.get<SnippetVersion>('/api/v1/snippets/{name}/versions/{version}', { params: { name: initialName, version: String(version) } }),
    onSuccess: setShown,
  });
  const error = save.error instanceof ApiError && conflict === undefined ? save.error : undefined;
  const sourceError = error?.fieldMessage('source') ?? (error !== undefined && error.issues.length === 0 ? error.message : undefined);
  const nameLocal = name !== '' && !NAME.test(name) ? t('badName') : undefined;
  const versionColumns: Column<SnippetVersion>[] = [
    {
      key: 'version',
      header: t('version'),
      cell: (row) => (
        <>
          {format.number(row.version)} {row.version === detail.data?.version ? <Badge tone="good">{t('current')}</Badge> : null}
          {row.restoredFrom === null ? null : <span className="muted small"> {t('restoredFrom', { version: format.number(row.restoredFrom) })}</span>}
        </>
      ),
      csv: (row) => row.version,
    },
    { key: 'created', header: t('updated'), cell: (row) => format.dateTime(row.createdAt), csv: (row) => row.createdAt },
    {
      key: 'actions',
      header: t('view'),
      csv: () => '',
      cell: (row) => (
        <span className="inline-field">
          <Button variant="ghost" aria-label={`${t('view')}: ${t('oldVersion', { version: format.number(row.version) })}`} onClick={() => show.mutate(row.version)}>
            {t('view')}
          </Button>
          {editable && row.version !== detail.data?.version ? (
            <Button
              variant="ghost"
              aria-label={`${t('restore')}: ${t('oldVersion', { version: format.number(row.version) })}`}
              onClick={() => restore.mutate(row.version)}
              busy={restore.isPending && restore.variables === row.version}
            >
              {t('restore')}
            </Button>
          ) : null}
        </span>
      ),
    },
  ];
  return (
    <Card
      title={isNew ? t('newSnippet') : initialName}
      actions={
        <Button variant="ghost" onClick={onClose}>
          {t('close')}
        </Button>
      }
    >
      {!isNew && detail.isPending ? <Loading /> : null}
      <ErrorNotice error={detail.error} />
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (nameLocal === undefined && name !== '') save.mutate({ force: false });
        }}
      >
        {isNew ? (
          <Field label={t('name')} hint={t('nameHint')} error={nameLocal ?? error?.fieldMessage('name')}>
            {(props) => <input {...props} dir="ltr" required maxLength={64} value={name} onChange={(event) => setName(event.target.value)} />}
          </Field>
        ) : (
          <p className="muted">
            {t('use')} <code className="code" dir="ltr">{`{% render '${initialName}' %}`}</code>
          </p>
        )}
        <Field label={t('description')} error={error?.fieldMessage('description')}>
          {(props) => <input {...props} readOnly={!editable} maxLength={500} value={currentDescription} onChange={(event) => editing(setDescription)(event.target.value)} />}
        </Field>
        <Field label={t('source')} error={sourceError}>
          {(props) => <CodeArea {...props} rows={10} readOnly={!editable} value={currentSource} onChange={editing(setSource)} errorLine={positionOf(sourceError)?.line} />}
        </Field>
        {restoredNote === undefined ? null : (
          <p className="notice good" role="status">
            {restoredNote}
          </p>
        )}
        {conflict === undefined ? null : (
          <ConflictNotice
            title={t('conflict', { version: conflict === '' ? '?' : format.number(Number(conflict)) })}
            busy={save.isPending}
            onOverwrite={() => save.mutate({ force: true })}
            onReload={() => void reload()}
          />
        )}
        {editable ? (
          <div>
            <Button type="submit" variant="primary" busy={save.isPending} disabled={name === '' || nameLocal !== undefined}>
              {t('save')}
            </Button>
          </div>
        ) : null}
      </form>
      {isNew ? null : (
        <>
          <h3>{t('versions', { name: initialName })}</h3>
          <ErrorNotice error={restore.error ?? show.error} />
          {versions.data === undefined ? <Empty /> : <DataTable caption={t('versionsCaption')} columns={versionColumns} rows={versions.data.versions} rowKey={(row) => String(row.version)} />}
          {shown === undefined ? null : (
            <div className="messages-version">
              <h4>{t('oldVersion', { version: format.number(shown.version) })}</h4>
              <pre className="messages-json" dir="ltr">
                {shown.source}
              </pre>
            </div>
          )}
        </>
      )}
    </Card>
  );
}
