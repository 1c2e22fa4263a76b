/*
 * The words of the hosted preferences page in the shopper's language: the profile's `locale`
 * trait, the one its messages are rendered in, so the page reads like the email it came from.
 * English, Arabic (right to left) and Japanese, as the dashboard; anything else reads in English.
 * Built-in consent topics are named here by key; a label a workspace wrote shows as written.
 */

import { builtInTopicKey, builtInTopicNames } from './built-in-topics.js';

export const pageLocales = ['en', 'ar', 'ja'] as const;
export type PageLocale = (typeof pageLocales)[number];

type Key =
  | 'title'
  | 'heading'
  | 'forAddress'
  | 'topicsLegend'
  | 'save'
  | 'unsubscribeAll'
  | 'unsubscribedFrom'
  | 'unsubscribedFromAt'
  | 'resubscribe'
  | 'giftTitle'
  | 'giftText'
  | 'stay'
  | 'yourCode'
  | 'noticeUnsubscribed'
  | 'noticeWelcomeBack'
  | 'noticeSaved'
  | 'noticeThanks'
  | 'noticeThanksCode'
  | 'channel_email'
  | 'channel_sms'
  | 'channel_push'
  | 'channel_webhook'
  | 'channel_inbox';

const texts: Record<PageLocale, Record<Key, string>> = {
  en: {
    title: '{shop}: your {channel} preferences',
    heading: 'Your {channel} preferences',
    forAddress: 'For',
    topicsLegend: 'What would you like to hear about?',
    save: 'Save my choices',
    unsubscribeAll: 'Unsubscribe from all {channel}',
    unsubscribedFrom: 'You are unsubscribed from {channel}.',
    unsubscribedFromAt: 'You are unsubscribed from {channel} at {address}.',
    resubscribe: 'Subscribe again',
    giftTitle: 'Before you go',
    giftText: 'Stay with us and take {offer} your next order.',
    stay: 'Keep me subscribed and give me the code',
    yourCode: 'Your code:',
    noticeUnsubscribed: 'You are unsubscribed from all {channel}. Sorry to see you go.',
    noticeWelcomeBack: 'Welcome back: you are subscribed to {channel} again.',
    noticeSaved: 'Your choices are saved.',
    noticeThanks: 'Thank you for staying with us.',
    noticeThanksCode: 'Thank you for staying: {offer} your next order.',
    channel_email: 'email',
    channel_sms: 'SMS',
    channel_push: 'push notifications',
    channel_webhook: 'webhooks',
    channel_inbox: 'inbox messages',
  },
  ar: {
    title: '{shop}: تفضيلات {channel}',
    heading: 'تفضيلات {channel} الخاصة بك',
    forAddress: 'لـ',
    topicsLegend: 'ما الذي تودّ أن نراسلك بشأنه؟',
    save: 'احفظ اختياراتي',
    unsubscribeAll: 'إلغاء الاشتراك في كل رسائل {channel}',
    unsubscribedFrom: 'ألغيت اشتراكك في {channel}.',
    unsubscribedFromAt: 'ألغيت اشتراكك في {channel} على {address}.',
    resubscribe: 'اشترك مجددًا',
    giftTitle: 'قبل أن تغادر',
    giftText: 'ابقَ معنا واحصل على {offer} على طلبك القادم.',
    stay: 'أبقني مشتركًا وأعطني الرمز',
    yourCode: 'رمزك:',
    noticeUnsubscribed: 'ألغيت اشتراكك في كل رسائل {channel}. يؤسفنا رحيلك.',
    noticeWelcomeBack: 'مرحبًا بعودتك: أنت مشترك في {channel} مجددًا.',
    noticeSaved: 'حُفظت اختياراتك.',
    noticeThanks: 'شكرًا لبقائك معنا.',
    noticeThanksCode: 'شكرًا لبقائك: {offer} على طلبك القادم.',
    channel_email: 'البريد الإلكتروني',
    channel_sms: 'الرسائل النصية',
    channel_push: 'الإشعارات',
    channel_webhook: 'خطافات الويب',
    channel_inbox: 'رسائل صندوق الوارد',
  },
  ja: {
    title: '{shop}：{channel}の配信設定',
    heading: '{channel}の配信設定',
    forAddress: '宛先',
    topicsLegend: 'どのお知らせを受け取りますか？',
    save: '選択を保存',
    unsubscribeAll: '{channel}をすべて配信停止',
    unsubscribedFrom: '{channel}の配信を停止しました。',
    unsubscribedFromAt: '{address} への{channel}の配信を停止しました。',
    resubscribe: 'もう一度登録する',
    giftTitle: 'その前に',
    giftText: '登録を続けると、次回のご注文で {offer} をご利用いただけます。',
    stay: '登録を続けてコードを受け取る',
    yourCode: 'あなたのコード：',
    noticeUnsubscribed: '{channel}をすべて配信停止しました。ご利用ありがとうございました。',
    noticeWelcomeBack: 'おかえりなさい：{channel}の配信を再開しました。',
    noticeSaved: '選択を保存しました。',
    noticeThanks: '引き続きご登録いただきありがとうございます。',
    noticeThanksCode: 'ご登録ありがとうございます：次回のご注文で {offer} をご利用いただけます。',
    channel_email: 'メール',
    channel_sms: 'SMS',
    channel_push: 'プッシュ通知',
    channel_webhook: 'Webhook',
    channel_inbox: '受信箱メッセージ',
  },
};

/**
 * The page's locale for a locale tag (`ar-SA` → `ar`); English when none fits.
 * @example pageLocale('ja-JP') // 'ja'
 */
export function pageLocale(tag: unknown): PageLocale {
  const language = typeof tag === 'string' ? tag.trim().toLowerCase().split(/[-_]/)[0] : undefined;
  return pageLocales.find((locale) => locale === language) ?? 'en';
}

/**
 * One sentence of the page with its `{names}` filled in (plain text: the page escapes it).
 * @example pageText('ar', 'heading', { channel: 'email' })
 */
export function pageText(locale: PageLocale, key: Key, vars: Readonly<Record<string, string>> = {}): string {
  const values = new Map(Object.entries(vars));
  return texts[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => values.get(name) ?? whole);
}

/**
 * A channel's name in the locale (`email` → `メール`); an unknown name as it is.
 * @example channelText('ja', 'email') // 'メール'
 */
export function channelText(locale: PageLocale, channel: string): string {
  const key = `channel_${channel}`;
  return isKey(key) ? texts[locale][key] : channel;
}

/**
 * A built-in topic's name in the locale, or undefined for a topic a workspace added.
 * @example builtInTopicText('ar', 'promotions') // 'التخفيضات والقسائم والعروض'
 */
export function builtInTopicText(locale: PageLocale, key: string): string | undefined {
  const builtIn = builtInTopicKey(key);
  return builtIn === undefined ? undefined : builtInTopicNames[locale][builtIn];
}

function isKey(value: string): value is Key {
  return Object.hasOwn(texts.en, value);
}
