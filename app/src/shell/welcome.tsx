import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import { defineMessages, useLocale, useT } from '../i18n/i18n';
import { Button, Field } from '../ui/ui';
import { LocalePicker, SignInForm } from './sign-in';

const messages = defineMessages({
  en: {
    title: 'Welcome to Rapport',
    intro: 'Choose your password to accept the invitation.',
    name: 'Your name',
    password: 'Password',
    passwordHint: 'At least 12 characters.',
    submit: 'Accept the invitation',
    done: 'Your account is ready. Sign in with {email}.',
    missing: 'This link has no invitation in it. Ask the person who invited you for a new one.',
  },
  ar: {
    title: 'مرحبًا بك في Rapport',
    intro: 'اختر كلمة المرور لقبول الدعوة.',
    name: 'اسمك',
    password: 'كلمة المرور',
    passwordHint: '12 حرفًا على الأقل.',
    submit: 'قبول الدعوة',
    done: 'حسابك جاهز. سجّل الدخول باستخدام {email}.',
    missing: 'لا يحتوي هذا الرابط على دعوة. اطلب دعوة جديدة من الشخص الذي دعاك.',
  },
  ja: {
    title: 'Rapport へようこそ',
    intro: '招待を受け入れるためにパスワードを設定してください。',
    name: 'お名前',
    password: 'パスワード',
    passwordHint: '12 文字以上。',
    submit: '招待を受け入れる',
    done: 'アカウントの準備ができました。{email} でサインインしてください。',
    missing: 'このリンクには招待が含まれていません。招待した人に新しいリンクを依頼してください。',
  },
});

/** `/welcome?invitation=…`: a new person (or the first owner) sets a password, then signs in. */
export function WelcomePage({ token, onSignedIn }: { token: string | undefined; onSignedIn: () => void }) {
  const t = useT(messages);
  const { locale } = useLocale();
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [error, setError] = useState<ApiError | Error | undefined>();
  const [busy, setBusy] = useState(false);
  const [member, setMember] = useState<{ email: string } | undefined>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (token === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      setMember(
        await api.post<{ email: string }>('/api/v1/invitations/{token}/accept', {
          params: { token },
          body: { password, locale, ...(displayName.trim() === '' ? {} : { displayName: displayName.trim() }) },
        }),
      );
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      setBusy(false);
    }
  };
  const passwordError = error instanceof ApiError ? (error.fieldMessage('password') ?? error.message) : error?.message;
  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <p className="brand-mark" aria-hidden="true">
          Rapport
        </p>
        <h1>{t('title')}</h1>
        {token === undefined ? (
          <p className="notice bad">{t('missing')}</p>
        ) : member !== undefined ? (
          <>
            <p className="notice good" role="status">
              {t('done', { email: member.email })}
            </p>
            <SignInForm email={member.email} onDone={onSignedIn} />
          </>
        ) : (
          <form className="form" onSubmit={submit} noValidate>
            <p>{t('intro')}</p>
            <Field label={t('name')}>{(props) => <input {...props} autoComplete="name" value={displayName} onChange={(event) => setDisplayName(event.target.value)} />}</Field>
            <Field label={t('password')} hint={t('passwordHint')} error={passwordError}>
              {(props) => <input {...props} type="password" autoComplete="new-password" required minLength={12} value={password} onChange={(event) => setPassword(event.target.value)} />}
            </Field>
            <Button type="submit" variant="primary" busy={busy}>
              {t('submit')}
            </Button>
          </form>
        )}
        <LocalePicker />
      </div>
    </main>
  );
}
