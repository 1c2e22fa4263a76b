import { Type, type Static } from '@sinclair/typebox';
import type { CouponService, PoolInput } from '../coupons/index.js';
import type { CampaignInput, Content } from './campaign.js';
import type { CampaignService } from './campaign-service.js';
import { RapportError } from '../shared/errors.js';

/*
 * Starter campaigns: the six templates of the shop the product was first described for (hello
 * bar, side coupon, popup, floating icon, scratch coupon, free-shipping bar), an exit-intent
 * discount tiered by predicted CLV, an email-capture popup testing two offers, an NPS survey,
 * and two inline widgets for reserved slots (a banner for returning visitors, recommendations). Copy in English, Arabic and Japanese; every starter keeps a 10% holdout so its
 * uplift is measured from the first day.
 */

type Localised = { en: Content; ar: Content; ja: Content };

/** A coupon pool a starter needs, created once per workspace (found again by name). */
interface StarterPool {
  name: string;
  input: PoolInput;
}

export interface StarterCampaign {
  key: string;
  name: string;
  type: CampaignInput['type'];
  pool?: StarterPool;
  /** The definition; `pool` ids are filled in at install (`{pool}`), `teaserOf` names a starter key. */
  build(ids: { pool: string; starter: (key: string) => string | undefined }): CampaignInput;
}

const HOLDOUT = 0.1;
const everyDay = { frequency: { everyMinutes: 1440 }, maxViews: 5, stopAfterClose: true, stopAfterConversion: true } as const;

const single = (key: string, content: Localised) => [{ key, weight: 1, content }];

const poolWelcome: StarterPool = {
  name: 'On-site welcome 10%',
  input: { name: 'On-site welcome 10%', prefix: 'HELLO-', rule: { kind: 'fixed', offer: { type: 'percent', value: 10 } }, expiresAfterDays: 14 },
};
const poolScratch: StarterPool = {
  name: 'On-site scratch & win',
  input: {
    name: 'On-site scratch & win',
    prefix: 'SCRATCH-',
    rule: {
      kind: 'mystery',
      draws: [
        { weight: 6, offer: { type: 'percent', value: 5 } },
        { weight: 3, offer: { type: 'percent', value: 10 } },
        { weight: 1, offer: { type: 'free_shipping' } },
      ],
    },
    expiresAfterDays: 7,
  },
};
/** Exit intent: 15% / 10% / 5% by CLV tier (the pool reads `clv_tier`); propensity withholds it. */
const poolExit: StarterPool = {
  name: 'On-site exit intent by CLV tier',
  input: {
    name: 'On-site exit intent by CLV tier',
    prefix: 'STAY-',
    rule: {
      kind: 'tiers',
      tiers: [
        { score: 'clv_tier', equals: 'high', offer: { type: 'percent', value: 15 } },
        { score: 'clv_tier', equals: 'medium', offer: { type: 'percent', value: 10 } },
      ],
      fallback: { type: 'percent', value: 5 },
    },
    expiresAfterDays: 3,
  },
};
const poolCapture: StarterPool = {
  name: 'On-site signup offers',
  input: { name: 'On-site signup offers', prefix: 'JOIN-', rule: { kind: 'fixed', offer: { type: 'percent', value: 10 } }, expiresAfterDays: 30 },
};

const capture = (consent: string, success: string, body: string): Content['capture'] => ({ fields: ['email'], consentText: consent, successHeadline: success, successBody: body });

export const starterCampaigns: readonly StarterCampaign[] = [
  {
    key: 'hello-bar',
    name: 'Hello bar: free returns',
    type: 'hello_bar',
    build: () => ({
      name: 'Hello bar: free returns',
      type: 'hello_bar',
      priority: 10,
      triggers: [{ type: 'page_load' }],
      audience: [],
      caps: { frequency: 'session', stopAfterClose: true },
      holdout: HOLDOUT,
      defaultLocale: 'en',
      variants: single('bar', {
        en: { headline: 'Free returns for 30 days on every order', cta: 'Shop now', ctaUrl: '/demo/shop', closeLabel: 'Close', position: 'top' },
        ar: { headline: 'إرجاع مجاني لمدة 30 يومًا على كل طلب', cta: 'تسوّق الآن', ctaUrl: '/demo/shop', closeLabel: 'إغلاق', position: 'top' },
        ja: { headline: 'すべてのご注文で30日間返品無料', cta: '今すぐ購入', ctaUrl: '/demo/shop', closeLabel: '閉じる', position: 'top' },
      }),
    }),
  },
  {
    key: 'side-coupon',
    name: 'Side coupon: 10% welcome',
    type: 'side_coupon',
    pool: poolWelcome,
    build: ({ pool }) => ({
      name: 'Side coupon: 10% welcome',
      type: 'side_coupon',
      priority: 20,
      triggers: [{ type: 'time_on_page', seconds: 8 }],
      audience: [{ type: 'visitor', kind: 'new' }],
      caps: everyDay,
      holdout: HOLDOUT,
      defaultLocale: 'en',
      variants: single('slide', {
        en: { headline: 'First visit? Take 10% off', body: 'Reveal your personal code.', cta: 'Reveal my code', coupon: { pool }, closeLabel: 'Close', position: 'right' },
        ar: { headline: 'زيارتك الأولى؟ احصل على خصم 10٪', body: 'اكشف عن رمزك الشخصي.', cta: 'اكشف الرمز', coupon: { pool }, closeLabel: 'إغلاق', position: 'right' },
        ja: { headline: '初めてのご来店？10%オフ', body: 'あなた専用のコードを表示します。', cta: 'コードを表示', coupon: { pool }, closeLabel: '閉じる', position: 'right' },
      }),
    }),
  },
  {
    key: 'popup',
    name: 'Popup: new collection',
    type: 'popup',
    build: () => ({
      name: 'Popup: new collection',
      type: 'popup',
      priority: 30,
      triggers: [{ type: 'scroll_depth', percent: 50 }],
      audience: [{ type: 'url', match: 'glob', value: '/demo/shop*' }],
      caps: everyDay,
      holdout: HOLDOUT,
      defaultLocale: 'en',
      variants: single('promo', {
        en: { headline: 'The new collection is here', body: 'Fresh picks for the season, shipped in two days.', cta: 'See what is new', ctaUrl: '/demo/shop/category/new', closeLabel: 'Close' },
        ar: { headline: 'وصلت المجموعة الجديدة', body: 'اختيارات جديدة لهذا الموسم، تُشحن خلال يومين.', cta: 'اكتشف الجديد', ctaUrl: '/demo/shop/category/new', closeLabel: 'إغلاق' },
        ja: { headline: '新コレクションが登場', body: '今シーズンの新作を2日でお届けします。', cta: '新作を見る', ctaUrl: '/demo/shop/category/new', closeLabel: '閉じる' },
      }),
    }),
  },
  {
    key: 'floating-icon',
    name: 'Floating icon: reopen the popup',
    type: 'floating_icon',
    build: ({ starter }) => {
      const popup = starter('popup');
      return {
        name: 'Floating icon: reopen the popup',
        type: 'floating_icon',
        priority: 5,
        triggers: [{ type: 'page_load' }],
        audience: [],
        caps: { frequency: 'always', stopAfterConversion: true },
        holdout: HOLDOUT,
        defaultLocale: 'en',
        ...(popup === undefined ? {} : { teaserOf: popup }),
        variants: single('icon', {
          en: { cta: 'New in', closeLabel: 'Hide', position: 'left' },
          ar: { cta: 'جديدنا', closeLabel: 'إخفاء', position: 'left' },
          ja: { cta: '新着', closeLabel: '隠す', position: 'left' },
        }),
      };
    },
  },
  {
    key: 'scratch-coupon',
    name: 'Scratch coupon: scratch & win',
    type: 'scratch_coupon',
    pool: poolScratch,
    build: ({ pool }) => ({
      name: 'Scratch coupon: scratch & win',
      type: 'scratch_coupon',
      priority: 40,
      triggers: [{ type: 'time_on_site', seconds: 45 }],
      audience: [{ type: 'pages_this_session', min: 2 }],
      caps: { frequency: 'once', stopAfterConversion: true },
      holdout: HOLDOUT,
      defaultLocale: 'en',
      variants: single('scratch', {
        en: { headline: 'Scratch to win a surprise', body: 'Scratch the card with your finger or mouse.', cta: 'Use my code', coupon: { pool }, closeLabel: 'Close' },
        ar: { headline: 'اخدش واربح مفاجأة', body: 'اخدش البطاقة بإصبعك أو بالفأرة.', cta: 'استخدم رمزي', coupon: { pool }, closeLabel: 'إغلاق' },
        ja: { headline: 'スクラッチでサプライズ', body: '指またはマウスでカードを削ってください。', cta: 'コードを使う', coupon: { pool }, closeLabel: '閉じる' },
      }),
    }),
  },
  {
    key: 'free-shipping-bar',
    name: 'Free-shipping progress bar',
    type: 'free_shipping_bar',
    build: () => ({
      name: 'Free-shipping progress bar',
      type: 'free_shipping_bar',
      priority: 15,
      triggers: [{ type: 'page_load' }, { type: 'cart_change' }],
      audience: [{ type: 'cart', minItems: 1 }],
      caps: { frequency: 'always' },
      holdout: HOLDOUT,
      defaultLocale: 'en',
      variants: single('bar', {
        en: { threshold: 7500, currency: 'USD', progressText: 'You are {remaining} away from free shipping', reachedText: 'You have free shipping!', position: 'top' },
        ar: { threshold: 7500, currency: 'USD', progressText: 'يتبقى {remaining} للحصول على شحن مجاني', reachedText: 'لقد حصلت على شحن مجاني!', position: 'top' },
        ja: { threshold: 7500, currency: 'USD', progressText: 'あと{remaining}で送料無料', reachedText: '送料無料になりました！', position: 'top' },
      }),
    }),
  },
  {
    key: 'exit-intent-tiered',
    name: 'Exit intent: discount tiered by CLV',
    type: 'popup',
    pool: poolExit,
    build: ({ pool }) => ({
      name: 'Exit intent: discount tiered by CLV',
      type: 'popup',
      priority: 60,
      triggers: [{ type: 'exit_intent', minDwellSeconds: 10, mobile: false }],
      audience: [{ type: 'cart', minItems: 1 }],
      caps: { frequency: { everyMinutes: 4320 }, maxViews: 3, stopAfterConversion: true },
      holdout: HOLDOUT,
      defaultLocale: 'en',
      variants: single('tiered', {
        en: {
          headline: 'Wait! Your cart has a gift',
          body: 'Complete your order today with a personal discount.',
          cta: 'Reveal my discount',
          coupon: { pool, tiered: true, withholdAbovePropensity: 0.8 },
          closeLabel: 'No thanks',
        },
        ar: { headline: 'انتظر! سلتك فيها هدية', body: 'أكمل طلبك اليوم بخصم شخصي.', cta: 'اكشف خصمي', coupon: { pool, tiered: true, withholdAbovePropensity: 0.8 }, closeLabel: 'لا، شكرًا' },
        ja: {
          headline: 'お待ちください！カートに特典があります',
          body: '今日ご注文を完了すると、あなただけの割引が使えます。',
          cta: '割引を表示',
          coupon: { pool, tiered: true, withholdAbovePropensity: 0.8 },
          closeLabel: '結構です',
        },
      }),
    }),
  },
  {
    key: 'email-capture-ab',
    name: 'Email capture: 10% off vs free shipping',
    type: 'popup',
    pool: poolCapture,
    build: ({ pool }) => ({
      name: 'Email capture: 10% off vs free shipping',
      type: 'popup',
      priority: 50,
      triggers: [{ type: 'time_on_page', seconds: 15 }],
      audience: [{ type: 'identified', value: false }],
      caps: { frequency: { everyMinutes: 10080 }, maxViews: 2, stopAfterClose: true, suppressAfterSignup: true },
      holdout: HOLDOUT,
      defaultLocale: 'en',
      variants: [
        {
          key: 'ten-percent',
          weight: 1,
          content: {
            en: {
              headline: 'Get 10% off your first order',
              body: 'Join our list for new arrivals and members-only offers.',
              cta: 'Get my 10%',
              coupon: { pool },
              capture: capture('Yes, email me offers. Unsubscribe any time.', 'Welcome! Here is your code', 'We also sent it to your inbox.'),
              closeLabel: 'Close',
            },
            ar: {
              headline: 'احصل على خصم 10٪ على طلبك الأول',
              body: 'انضم إلى قائمتنا لتصلك أحدث المنتجات وعروض الأعضاء.',
              cta: 'أريد خصم 10٪',
              coupon: { pool },
              capture: capture('نعم، أرسلوا لي العروض بالبريد. يمكنني إلغاء الاشتراك في أي وقت.', 'أهلًا بك! إليك رمزك', 'أرسلناه أيضًا إلى بريدك.'),
              closeLabel: 'إغلاق',
            },
            ja: {
              headline: '初回のご注文が10%オフ',
              body: '新着情報と会員限定のお得な情報をお届けします。',
              cta: '10%オフを受け取る',
              coupon: { pool },
              capture: capture('はい、お得な情報をメールで受け取ります。いつでも配信停止できます。', 'ようこそ！コードはこちら', 'メールでもお送りしました。'),
              closeLabel: '閉じる',
            },
          },
        },
        {
          key: 'free-shipping',
          weight: 1,
          content: {
            en: {
              headline: 'Free shipping on your first order',
              body: 'Sign up and your first delivery is on us.',
              cta: 'Sign me up',
              capture: capture('Yes, email me offers. Unsubscribe any time.', 'Welcome aboard!', 'Free shipping is applied at checkout with your email.'),
              closeLabel: 'Close',
            },
            ar: {
              headline: 'شحن مجاني لطلبك الأول',
              body: 'سجّل وسنتكفّل بتوصيل طلبك الأول.',
              cta: 'سجّلني',
              capture: capture('نعم، أرسلوا لي العروض بالبريد. يمكنني إلغاء الاشتراك في أي وقت.', 'أهلًا بك معنا!', 'يُطبَّق الشحن المجاني عند الدفع ببريدك.'),
              closeLabel: 'إغلاق',
            },
            ja: {
              headline: '初回のご注文は送料無料',
              body: 'ご登録いただくと初回の配送料が無料になります。',
              cta: '登録する',
              capture: capture('はい、お得な情報をメールで受け取ります。いつでも配信停止できます。', 'ご登録ありがとうございます！', 'ご登録のメールアドレスでお会計時に送料無料が適用されます。'),
              closeLabel: '閉じる',
            },
          },
        },
      ],
    }),
  },
  {
    key: 'nps-survey',
    name: 'NPS survey after an order',
    type: 'survey',
    build: () => ({
      name: 'NPS survey after an order',
      type: 'survey',
      priority: 25,
      triggers: [{ type: 'custom_event', event: 'Order Completed' }],
      audience: [],
      caps: { frequency: { everyMinutes: 129_600 }, stopAfterClose: true, stopAfterConversion: true },
      holdout: HOLDOUT,
      defaultLocale: 'en',
      variants: single('nps', {
        en: {
          headline: 'One quick question',
          cta: 'Send',
          closeLabel: 'Close',
          questions: [
            { id: 'nps', kind: 'nps', text: 'How likely are you to recommend us to a friend?' },
            { id: 'why', kind: 'text', text: 'What is the main reason for your score?' },
          ],
        },
        ar: {
          headline: 'سؤال سريع واحد',
          cta: 'إرسال',
          closeLabel: 'إغلاق',
          questions: [
            { id: 'nps', kind: 'nps', text: 'ما مدى احتمال أن توصي بنا لصديق؟' },
            { id: 'why', kind: 'text', text: 'ما السبب الرئيسي لتقييمك؟' },
          ],
        },
        ja: {
          headline: 'ひとつだけ質問させてください',
          cta: '送信',
          closeLabel: '閉じる',
          questions: [
            { id: 'nps', kind: 'nps', text: '友人に当店をすすめる可能性はどのくらいですか？' },
            { id: 'why', kind: 'text', text: 'その点数の一番の理由は何ですか？' },
          ],
        },
      }),
    }),
  },
  {
    key: 'banner-returning',
    name: 'Banner: welcome back (reserved slot)',
    type: 'banner',
    build: () => ({
      name: 'Banner: welcome back (reserved slot)',
      type: 'banner',
      priority: 10,
      slot: '#rapport-banner',
      triggers: [{ type: 'page_load' }],
      audience: [{ type: 'visitor', kind: 'returning' }],
      caps: { frequency: 'always' },
      holdout: HOLDOUT,
      defaultLocale: 'en',
      variants: single('welcome-back', {
        en: { headline: 'Welcome back! Your favourites are waiting', cta: 'Continue shopping', ctaUrl: '/demo/shop' },
        ar: { headline: 'مرحبًا بعودتك! منتجاتك المفضلة بانتظارك', cta: 'تابع التسوق', ctaUrl: '/demo/shop' },
        ja: { headline: 'おかえりなさい！お気に入りが待っています', cta: '買い物を続ける', ctaUrl: '/demo/shop' },
      }),
    }),
  },
  {
    key: 'recommendations-for-you',
    name: 'Recommendations: picked for you (reserved slot)',
    type: 'recommendations',
    build: () => ({
      name: 'Recommendations: picked for you (reserved slot)',
      type: 'recommendations',
      priority: 10,
      slot: '#rapport-recs',
      triggers: [{ type: 'page_load' }],
      audience: [],
      caps: { frequency: 'always' },
      holdout: HOLDOUT,
      defaultLocale: 'en',
      variants: single('for-you', {
        en: { headline: 'Picked for you', strategy: 'for-you', count: 4 },
        ar: { headline: 'اخترناها لك', strategy: 'for-you', count: 4 },
        ja: { headline: 'あなたへのおすすめ', strategy: 'for-you', count: 4 },
      }),
    }),
  },
];

export interface StarterSupplies {
  coupons: Pick<CouponService, 'listPools' | 'createPool'>;
}

export const StarterResultSchema = Type.Object({
  installed: Type.Array(Type.Object({ key: Type.String(), name: Type.String(), id: Type.String(), created: Type.Boolean(), status: Type.String() })),
});
export type StarterResult = Static<typeof StarterResultSchema>;

/**
 * Installs starters (all, or those named by `keys`) with their coupon pools, found again by
 * name so a second run creates nothing; `activate` makes the drafts live.
 * @example await installStarters('ws', onsite.campaigns, { coupons }, { activate: true });
 */
export async function installStarters(
  workspaceId: string,
  campaigns: Pick<CampaignService, 'list' | 'create' | 'setState' | 'view'>,
  supplies: StarterSupplies,
  options: { activate: boolean; keys?: readonly string[] },
): Promise<StarterResult> {
  const unknown = (options.keys ?? []).filter((key) => !starterCampaigns.some((starter) => starter.key === key));
  if (unknown.length > 0) {
    throw new RapportError('invalid_request', `no starter ${unknown.map((key) => `"${key}"`).join(', ')}`, [
      { field: 'body.keys', rule: 'enum', message: `use ${starterCampaigns.map((starter) => starter.key).join(', ')}` },
    ]);
  }
  const chosen = starterCampaigns.filter((starter) => options.keys === undefined || options.keys.includes(starter.key));
  const existing = await campaigns.list(workspaceId);
  const pools = new Map((await supplies.coupons.listPools(workspaceId)).map((pool) => [pool.name, pool.id]));
  const ids = new Map<string, string>();
  for (const starter of starterCampaigns) {
    const found = existing.find((campaign) => campaign.definition.name === starter.name);
    if (found !== undefined) ids.set(starter.key, found.id);
  }
  const installed: StarterResult['installed'] = [];
  for (const starter of chosen) {
    let campaign = existing.find((entry) => entry.definition.name === starter.name);
    const created = campaign === undefined;
    if (campaign === undefined) {
      let pool = '';
      if (starter.pool !== undefined) {
        pool = pools.get(starter.pool.name) ?? (await supplies.coupons.createPool(workspaceId, starter.pool.input)).id;
        pools.set(starter.pool.name, pool);
      }
      campaign = await campaigns.create(workspaceId, starter.build({ pool, starter: (key) => ids.get(key) }));
      ids.set(starter.key, campaign.id);
    }
    if (options.activate && (campaign.state === 'draft' || campaign.state === 'paused')) campaign = await campaigns.setState(workspaceId, campaign.id, 'active');
    installed.push({ key: starter.key, name: starter.name, id: campaign.id, created, status: campaigns.view(campaign).status });
  }
  return { installed };
}
