import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { defineMessages, LOCALE_NAMES, LOCALES, useLocale, useT } from '../i18n/i18n';
import { Button, Field } from '../ui/ui';
import { useSession } from './session';

const messages = defineMessages({
  en: {
    title: 'Sign in to Rapport',
    email: 'Email',
    password: 'Password',
    submit: 'Sign in',
    tooMany: 'Too many attempts. Wait {seconds} seconds and try again.',
    wrong: 'The email or the password is wrong.',
    firstStart: 'First start? The server printed a link that sets the owner’s password.',
  },
  ar: {
    title: 'تسجيل الدخول إلى Rapport',
    email: 'البريد الإلكتروني',
    password: 'كلمة المرور',
    submit: 'تسجيل الدخول',
    tooMany: 'محاولات كثيرة جدًا. انتظر {seconds} ثانية ثم حاول مرة أخرى.',
    wrong: 'البريد الإلكتروني أو كلمة المرور غير صحيحة.',
    firstStart: 'أول تشغيل؟ طبع الخادم رابطًا لتعيين كلمة مرور المالك.',
  },
  ja: {
    title: 'Rapport にサインイン',
    email: 'メールアドレス',
    password: 'パスワード',
    submit: 'サインイン',
    tooMany: '試行回数が多すぎます。{seconds} 秒待ってから再試行してください。',
    wrong: 'メールアドレスまたはパスワードが正しくありません。',
    firstStart: '初回起動ですか？サーバーがオーナーのパスワード設定用リンクを表示しています。',
  },
});

/** Email and password; on success the session is set and `onDone` runs (navigate, or close the overlay). */
export function SignInForm({ onDone, email: presetEmail }: { onDone?: () => void; email?: string }) {
  const t = useT(messages);
  const { signIn } = useSession();
  const [email, setEmail] = useState(presetEmail ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | Error | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(email, password);
      onDone?.();
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      setBusy(false);
    }
  };
  const message =
    error instanceof ApiError && error.status === 429 ? t('tooMany', { seconds: error.retryAfterSeconds ?? 60 }) : error instanceof ApiError && error.status === 401 ? t('wrong') : error?.message;
  return (
    <form className="form sign-in" onSubmit={submit} noValidate>
      <Field label={t('email')}>{(props) => <input {...props} type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />}</Field>
      <Field label={t('password')} error={message}>
        {(props) => <input {...props} type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />}
      </Field>
      <Button type="submit" variant="primary" busy={busy}>
        {t('submit')}
      </Button>
    </form>
  );
}

export function LocalePicker() {
  const { locale, setLocale } = useLocale();
  return (
    <div className="locale-picker" role="group" aria-label="Language / اللغة / 言語">
      {LOCALES.map((code) => (
        <button key={code} type="button" className={`link ${code === locale ? 'current' : ''}`} aria-pressed={code === locale} lang={code} onClick={() => setLocale(code)}>
          {LOCALE_NAMES[code]}
        </button>
      ))}
    </div>
  );
}

export function SignInPage({ onDone }: { onDone: () => void }) {
  const t = useT(messages);
  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <p className="brand-mark" aria-hidden="true">
          Rapport
        </p>
        <h1>{t('title')}</h1>
        <SignInForm onDone={onDone} />
        <p className="muted small">{t('firstStart')}</p>
        <LocalePicker />
      </div>
    </main>
  );
}
