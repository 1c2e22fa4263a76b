import type { WidgetContext } from './context.js';

/**
 * The few words a widget needs that campaign content does not carry, in the three languages the starters
 * ship in (English, Arabic, Japanese); other locales fall back to English. One export per word, so a chunk
 * carries only the words it uses. Campaign content always wins where it has a field.
 */
export type Words = readonly [en: string, ar: string, ja: string];

export const CLOSE: Words = ['Close', 'إغلاق', '閉じる'];
export const COPY: Words = ['Copy code', 'نسخ الرمز', 'コードをコピー'];
export const COPIED: Words = ['Copied', 'تم النسخ', 'コピーしました'];
export const REVEAL: Words = ['Reveal my code', 'اكشف رمزي', 'コードを表示'];
export const NEXT: Words = ['Next', 'التالي', '次へ'];
export const SEND: Words = ['Send', 'إرسال', '送信'];
export const THANKS: Words = ['Thank you!', 'شكرًا لك!', 'ありがとうございました！'];
export const NO_CODE: Words = ['No code is available right now.', 'لا يوجد رمز متاح الآن.', '現在ご利用いただけるコードはありません。'];
export const EMPTY: Words = ['No messages yet.', 'لا توجد رسائل بعد.', 'メッセージはまだありません。'];
export const LATER: Words = ['Not now', 'ليس الآن', '今はしない'];
export const SCRATCH: Words = ['Scratch to reveal', 'امسح للكشف', 'こすってコードを表示'];
export const PREV: Words = ['Previous', 'السابق', '前へ'];
export const FAILED: Words = ['Something went wrong. Please try again.', 'حدث خطأ. حاول مرة أخرى.', 'エラーが発生しました。もう一度お試しください。'];
export const EMAIL: Words = ['Email', 'البريد الإلكتروني', 'メールアドレス'];
export const PHONE: Words = ['Phone', 'الهاتف', '電話番号'];
export const INBOX: Words = ['Messages', 'الرسائل', 'メッセージ'];
export const DISMISS: Words = ['Dismiss', 'تجاهل', '削除'];

/** The word in the widget's locale ('ar-EG' uses Arabic). */
export function word(ctx: WidgetContext, words: Words): string {
  const lang = ctx.locale.slice(0, 2);
  return words[lang === 'ar' ? 1 : lang === 'ja' ? 2 : 0];
}

/** Money in minor units, formatted for the locale; a plain number when the currency is unknown or bad. */
export function money(ctx: WidgetContext, minor: number, currency: string | null | undefined): string {
  try {
    return new Intl.NumberFormat(ctx.locale, { style: 'currency', currency: currency ?? 'USD' }).format(minor / 100);
  } catch {
    return (minor / 100).toFixed(2);
  }
}
