import { defineMessages, useT } from '../i18n/i18n';
import { Button } from './ui';

const messages = defineMessages({
  en: {
    body: 'Your edit is still here. Save it over theirs, or load their version (your edit is then dropped).',
    overwrite: 'Save mine over theirs',
    reload: 'Load their version',
  },
  ar: {
    body: 'تعديلك ما زال هنا. احفظه فوق تعديلهم، أو حمّل نسختهم (وعندها يُهمل تعديلك).',
    overwrite: 'احفظ نسختي فوق نسختهم',
    reload: 'حمّل نسختهم',
  },
  ja: {
    body: 'あなたの編集はまだ残っています。相手の版に上書き保存するか、相手の版を読み込んでください（その場合あなたの編集は破棄されます）。',
    overwrite: '自分の版で上書き保存',
    reload: '相手の版を読み込む',
  },
});

/**
 * Someone saved what this editor is editing after it was opened (a 409 edit conflict): says so
 * and offers both ways out, so an edit is never lost nor silently written over another.
 * @example <ConflictNotice title={t('conflict')} onOverwrite={() => save.mutate({ force: true })} onReload={reload} />
 */
export function ConflictNotice({ title, onOverwrite, onReload, busy = false }: { title: string; onOverwrite: () => void; onReload: () => void; busy?: boolean }) {
  const t = useT(messages);
  return (
    <div className="notice warn" role="alert">
      <strong>{title}</strong>
      <p>{t('body')}</p>
      <div className="toolbar">
        <Button variant="primary" busy={busy} onClick={onOverwrite}>
          {t('overwrite')}
        </Button>
        <Button onClick={onReload}>{t('reload')}</Button>
      </div>
    </div>
  );
}
