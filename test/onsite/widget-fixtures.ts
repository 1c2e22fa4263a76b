/**
 * Campaign content for every widget type in English, Arabic and Japanese: what the widget tests mount.
 * The copy is starter-like so the screenshots show real text lengths in each script.
 */
export const WIDGET_TYPES = [
  'hello_bar',
  'side_coupon',
  'popup',
  'floating_icon',
  'scratch_coupon',
  'free_shipping_bar',
  'countdown',
  'survey',
  'recommendations',
  'banner',
  'push_prompt',
  'inbox',
] as const;
export type WidgetType = (typeof WIDGET_TYPES)[number];
export type Lang = 'en' | 'ar' | 'ja';
export const LANGS: readonly Lang[] = ['en', 'ar', 'ja'];

/** Widgets drawn as modal dialogs (the core sets campaign.modal for them). */
export const MODAL_TYPES: ReadonlySet<WidgetType> = new Set(['popup', 'scratch_coupon', 'survey']);
/** Widgets that live inside a reserved slot of the page. */
export const SLOT_TYPES: ReadonlySet<WidgetType> = new Set(['banner', 'recommendations']);

type Text = Record<Lang, string>;
const t = (en: string, ar: string, ja: string): Text => ({ en, ar, ja });

const COPY = {
  welcome: t('Free shipping on orders over $50 this week', 'شحن مجاني للطلبات فوق ٥٠ دولارًا هذا الأسبوع', '今週は5,000円以上のご注文で送料無料'),
  shop: t('Shop now', 'تسوّق الآن', '今すぐ購入'),
  coupon: t('A little something for you', 'هدية صغيرة لك', 'ささやかなプレゼント'),
  couponBody: t('Take 10% off your first order.', 'خصم ١٠٪ على طلبك الأول.', '初回のご注文が10%オフになります。'),
  popup: t('Get 15% off your first order', 'احصل على خصم ١٥٪ على طلبك الأول', '初回注文が15%オフ'),
  popupBody: t(
    'Join our list for early access to new arrivals and members-only offers.',
    'انضم إلى قائمتنا للوصول المبكر إلى المنتجات الجديدة والعروض الحصرية للأعضاء.',
    'メールマガジンに登録すると、新着アイテムの先行案内や会員限定のお得な情報をお届けします。',
  ),
  consent: t(
    'Yes, send me offers by email and SMS. I can unsubscribe at any time.',
    'نعم، أرسلوا لي العروض عبر البريد الإلكتروني والرسائل النصية. يمكنني إلغاء الاشتراك في أي وقت.',
    'はい、メールとSMSでお得な情報を受け取ります。いつでも配信を停止できます。',
  ),
  subscribe: t('Unlock my 15%', 'احصل على خصمي', '15%オフを受け取る'),
  success: t('You are in!', 'تم الاشتراك!', '登録が完了しました！'),
  successBody: t('Here is your code:', 'إليك رمزك:', 'クーポンコードはこちら：'),
  step1: t('Shopping for yourself or a gift?', 'هل تتسوق لنفسك أم لهدية؟', 'ご自分用ですか、ギフトですか？'),
  stepCta: t('Continue', 'متابعة', '続ける'),
  teaser: t('Your 15% off', 'خصمك ١٥٪', '15%オフ'),
  scratch: t('Scratch for a surprise', 'امسح لتحصل على مفاجأة', 'こすってサプライズ'),
  scratchBody: t('Every card wins between 5% and 15% off.', 'كل بطاقة تربح خصمًا بين ٥٪ و١٥٪.', 'すべてのカードで5〜15%オフが当たります。'),
  progress: t('You are {remaining} away from free shipping', 'أنت على بعد {remaining} من الشحن المجاني', '送料無料まであと{remaining}'),
  reached: t('You have unlocked free shipping!', 'حصلت على شحن مجاني!', '送料無料になりました！'),
  flash: t('Flash sale ends in', 'ينتهي العرض السريع خلال', 'タイムセール終了まで'),
  survey: t('Help us improve', 'ساعدنا على التحسن', '改善にご協力ください'),
  nps: t('How likely are you to recommend us to a friend?', 'ما مدى احتمال أن توصي بنا لصديق؟', '友人に当店をすすめる可能性はどのくらいありますか？'),
  found: t('How did you find us?', 'كيف عرفت عنا؟', '当店をどこで知りましたか？'),
  options: [t('Search', 'البحث', '検索'), t('Social media', 'وسائل التواصل', 'SNS'), t('A friend', 'صديق', '友人')],
  more: t('Anything else we should know?', 'هل هناك شيء آخر يجب أن نعرفه؟', 'ほかにご意見はありますか？'),
  recs: t('Picked for you', 'مختارة لك', 'あなたへのおすすめ'),
  banner: t('New season, new favourites', 'موسم جديد، مفضلات جديدة', '新しい季節の新しいお気に入り'),
  bannerBody: t('Linen, leather and light layers, now in store.', 'الكتان والجلد والطبقات الخفيفة، متوفرة الآن.', 'リネン、レザー、軽やかなレイヤードアイテムが入荷しました。'),
  push: t('Never miss a price drop', 'لا تفوّت أي تخفيض في الأسعار', '値下げ情報を見逃さない'),
  pushBody: t('We will only notify you about items you viewed.', 'سنرسل لك إشعارات فقط عن المنتجات التي شاهدتها.', '閲覧した商品についてのみお知らせします。'),
  allow: t('Turn on alerts', 'تفعيل التنبيهات', '通知をオンにする'),
  inbox: t('Your messages', 'رسائلك', 'メッセージ'),
};

/** The content object the widget gets for `type` in `lang` (a plain Content as the server compiles it). */
export function contentFor(type: WidgetType, lang: Lang): Record<string, unknown> {
  const c = (text: Text): string => text[lang];
  switch (type) {
    case 'hello_bar':
      return { headline: c(COPY.welcome), cta: c(COPY.shop), ctaUrl: '/category' };
    case 'side_coupon':
      return { headline: c(COPY.coupon), body: c(COPY.couponBody), coupon: { pool: 'welcome10' } };
    case 'popup':
      return {
        steps: [{ headline: c(COPY.step1), cta: c(COPY.stepCta) }],
        headline: c(COPY.popup),
        body: c(COPY.popupBody),
        cta: c(COPY.subscribe),
        coupon: { pool: 'welcome15' },
        capture: { fields: ['email', 'phone'], consentText: c(COPY.consent), successHeadline: c(COPY.success), successBody: c(COPY.successBody) },
      };
    case 'floating_icon':
      return { headline: c(COPY.teaser) };
    case 'scratch_coupon':
      return { headline: c(COPY.scratch), body: c(COPY.scratchBody), coupon: { pool: 'scratch', tiered: true } };
    case 'free_shipping_bar':
      return { threshold: 5000, currency: 'USD', progressText: c(COPY.progress), reachedText: c(COPY.reached) };
    case 'countdown':
      return { headline: c(COPY.flash), endsAt: new Date(Date.now() + 2 * 86_400_000 + 3 * 3_600_000 + 120_000).toISOString(), cta: c(COPY.shop), ctaUrl: '/category' };
    case 'survey':
      return {
        headline: c(COPY.survey),
        questions: [
          { id: 'nps', kind: 'nps', text: c(COPY.nps) },
          { id: 'source', kind: 'single', text: c(COPY.found), options: COPY.options.map(c) },
          { id: 'interests', kind: 'multi', text: c(COPY.found), options: COPY.options.map(c) },
          { id: 'comment', kind: 'text', text: c(COPY.more) },
        ],
      };
    case 'recommendations':
      return { headline: c(COPY.recs), strategy: 'popular', count: 6 };
    case 'banner':
      return { headline: c(COPY.banner), body: c(COPY.bannerBody), cta: c(COPY.shop), ctaUrl: '/category' };
    case 'push_prompt':
      return { headline: c(COPY.push), body: c(COPY.pushBody), cta: c(COPY.allow) };
    case 'inbox':
      return { headline: c(COPY.inbox) };
  }
}

/** The compiled-campaign fields a widget reads. */
export function campaignFor(type: WidgetType): { id: string; type: WidgetType; modal: boolean; slot?: string; teaserOf?: string } {
  return {
    id: `cmp_${type}`,
    type,
    modal: MODAL_TYPES.has(type),
    ...(SLOT_TYPES.has(type) ? { slot: '#slot' } : {}),
    ...(type === 'floating_icon' ? { teaserOf: 'cmp_popup' } : {}),
  };
}

export const BRAND = { primaryColor: '#0f5132', textColor: '#1b1b1b', backgroundColor: '#ffffff', borderRadius: 10 };
