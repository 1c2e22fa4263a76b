import { defineMessages, type Translate } from '../../i18n/i18n';

/*
 * The digital maturity assessment in the reader's language. The server names stages and
 * criteria in English; each criterion's `key` maps to its label and next action here. The
 * evidence (e.g. "4 journeys live") is the server's data and is shown as it comes.
 */

export interface Maturity {
  stage: string;
  nextStage: string | null;
  nextSteps: string[];
  criteria: { stage: string; key: string; label: string; met: boolean; evidence?: string; action: string }[];
}

export const maturityMessages = defineMessages({
  en: {
    Egg: 'Egg',
    Caterpillar: 'Caterpillar',
    Imago: 'Imago',
    Nirvana: 'Nirvana',
    first_party_data: 'First-party identity captured (email or phone on profiles)',
    first_party_data_action: 'Capture emails and phone numbers: an email-capture popup and identify calls at sign-up and checkout.',
    transactions: 'Transactions tracked (Order Completed)',
    transactions_action: 'Send Order Completed events, or import POS and web orders.',
    behaviour: 'Behaviour tracked (product views, lists, cart adds)',
    behaviour_action: 'Track Product Viewed, Product List Viewed, Product Added and Checkout Started from the site or app.',
    funnels: 'Funnel analysis used to find drop-offs',
    funnels_action: 'Build a view → cart → checkout → order funnel in Analytics and target the profiles who drop at each step.',
    two_channels: 'Customers reached on two or more channels',
    two_channels_action: 'Add a second channel (email or SMS) for cart abandoners and flash sales.',
    rfm: 'RFM groups computed and stored on profiles',
    rfm_action: 'Score RFM and segment on its groups: reward Champions, win back At Risk and Cannot Lose Them.',
    cohorts: 'Cohort analysis in use',
    cohorts_action: 'Follow repeat purchases by first-purchase month in Analytics to time replenishment reminders.',
    personalization: 'Personalization in use (recommendations, on-site campaigns, experiments)',
    personalization_action: 'Show personalized recommendations and on-site banners by traffic source and journey stage.',
    omnichannel: 'Omnichannel: three or more channels',
    omnichannel_action: 'Join web, app, email, SMS and push in one journey so each customer gets one conversation.',
    ltv_cac: 'LTV well above CAC (3 or more)',
    ltv_cac_action: 'Raise LTV (loyalty, recommendations, win-back) and cut CAC (enter ad spend to measure it) until LTV is at least three times CAC.',
  },
  ar: {
    Egg: 'البيضة',
    Caterpillar: 'اليرقة',
    Imago: 'الحشرة البالغة',
    Nirvana: 'النيرفانا',
    first_party_data: 'جمع هوية الطرف الأول (بريد أو هاتف في الملفات)',
    first_party_data_action: 'اجمع عناوين البريد وأرقام الهواتف: نافذة لجمع البريد واستدعاءات التعريف عند التسجيل والدفع.',
    transactions: 'تتبع المعاملات (إتمام الطلب)',
    transactions_action: 'أرسل أحداث إتمام الطلب أو استورد طلبات نقاط البيع والموقع.',
    behaviour: 'تتبع السلوك (مشاهدات المنتجات والقوائم والإضافة إلى السلة)',
    behaviour_action: 'تتبّع مشاهدة المنتج وعرض القوائم والإضافة إلى السلة وبدء الدفع من الموقع أو التطبيق.',
    funnels: 'استخدام تحليل القمع لاكتشاف نقاط التسرب',
    funnels_action: 'أنشئ قمع مشاهدة ← سلة ← دفع ← طلب في التحليلات واستهدف من يتسرب عند كل خطوة.',
    two_channels: 'الوصول إلى العملاء عبر قناتين أو أكثر',
    two_channels_action: 'أضف قناة ثانية (بريد أو رسائل قصيرة) لمن يتركون السلة وللعروض السريعة.',
    rfm: 'حساب مجموعات RFM وحفظها في الملفات',
    rfm_action: 'احسب RFM وقسّم حسب مجموعاته: كافئ الأبطال واستعد المعرّضين للخسارة.',
    cohorts: 'استخدام تحليل المجموعات',
    cohorts_action: 'تابع الشراء المتكرر حسب شهر أول شراء في التحليلات لتوقيت تذكيرات إعادة الشراء.',
    personalization: 'استخدام التخصيص (توصيات، حملات الموقع، تجارب)',
    personalization_action: 'اعرض توصيات ولافتات مخصصة حسب مصدر الزيارة ومرحلة الرحلة.',
    omnichannel: 'تعدد القنوات: ثلاث قنوات أو أكثر',
    omnichannel_action: 'اجمع الموقع والتطبيق والبريد والرسائل والإشعارات في رحلة واحدة ليحظى كل عميل بمحادثة واحدة.',
    ltv_cac: 'القيمة الدائمة أعلى بكثير من تكلفة الاكتساب (3 أو أكثر)',
    ltv_cac_action: 'ارفع القيمة الدائمة (الولاء والتوصيات والاستعادة) وخفّض تكلفة الاكتساب (أدخل الإنفاق الإعلاني لقياسها).',
  },
  ja: {
    Egg: 'エッグ',
    Caterpillar: 'キャタピラー',
    Imago: 'イマーゴ',
    Nirvana: 'ニルヴァーナ',
    first_party_data: 'ファーストパーティの識別情報を取得（プロフィールのメールまたは電話番号）',
    first_party_data_action: 'メール取得ポップアップと、登録時・購入時の identify 呼び出しでメールと電話番号を集めましょう。',
    transactions: '取引を計測（Order Completed）',
    transactions_action: 'Order Completed イベントを送るか、店舗とウェブの注文をインポートしましょう。',
    behaviour: '行動を計測（商品閲覧、一覧、カート追加）',
    behaviour_action: 'サイトやアプリから商品閲覧、一覧閲覧、カート追加、購入開始を計測しましょう。',
    funnels: 'ファネル分析で離脱を把握',
    funnels_action: '分析で 閲覧 → カート → 購入手続き → 注文 のファネルを作り、各ステップの離脱者に働きかけましょう。',
    two_channels: '2 つ以上のチャネルで顧客に到達',
    two_channels_action: 'カート放棄やタイムセール向けに 2 つ目のチャネル（メールまたは SMS）を追加しましょう。',
    rfm: 'RFM グループを算出しプロフィールに保存',
    rfm_action: 'RFM を算出してグループで分け、優良顧客に報い、離反しそうな顧客を呼び戻しましょう。',
    cohorts: 'コホート分析を活用',
    cohorts_action: '分析で初回購入月ごとのリピート購入を追い、補充リマインドの時期を決めましょう。',
    personalization: 'パーソナライズを活用（レコメンド、オンサイト施策、実験）',
    personalization_action: '流入元やジャーニーの段階に応じて、パーソナライズしたレコメンドとバナーを表示しましょう。',
    omnichannel: 'オムニチャネル：3 つ以上のチャネル',
    omnichannel_action: 'ウェブ、アプリ、メール、SMS、プッシュを 1 つのジャーニーにまとめましょう。',
    ltv_cac: 'LTV が CAC を大きく上回る（3 以上）',
    ltv_cac_action: 'LTV を高め（ロイヤルティ、レコメンド、呼び戻し）、CAC を下げましょう（広告費を入力して計測）。',
  },
});

type MaturityKey = keyof (typeof maturityMessages)['en'];

function isKey(key: string): key is MaturityKey {
  return Object.hasOwn(maturityMessages.en, key);
}

export function stageName(t: Translate<MaturityKey>, stage: string): string {
  return isKey(stage) ? t(stage) : stage;
}

/** A criterion's label and action in the reader's language (the server's English for a key this app does not know). */
export function criterionText(t: Translate<MaturityKey>, criterion: Maturity['criteria'][number]): { label: string; action: string } {
  const action = `${criterion.key}_action`;
  return { label: isKey(criterion.key) ? t(criterion.key) : criterion.label, action: isKey(action) ? t(action) : criterion.action };
}
