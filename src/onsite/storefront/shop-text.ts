/** The demo shop's own words (its chrome; product names come from the catalog) in English, Arabic and Japanese. */
export type ShopLang = 'en' | 'ar' | 'ja';

export const SHOP_LANGS: readonly ShopLang[] = ['en', 'ar', 'ja'];

export interface ShopText {
  shop: string;
  tagline: string;
  home: string;
  cart: string;
  language: string;
  departments: Record<string, string>;
  featured: string;
  addToCart: string;
  soldOut: string;
  inStock: string;
  emptyCart: string;
  subtotal: string;
  remove: string;
  quantity: string;
  continueShopping: string;
  notLoaded: string;
  promotions: string;
  recommended: string;
  added: string;
  notFound: string;
}

const EN: ShopText = {
  shop: 'Rapport Demo Shop',
  tagline: 'Everyday things, thoughtfully made.',
  home: 'Home',
  cart: 'Cart',
  language: 'Language',
  departments: { Apparel: 'Apparel', Footwear: 'Footwear', Beauty: 'Beauty', Home: 'Home', Electronics: 'Electronics' },
  featured: 'Featured this week',
  addToCart: 'Add to cart',
  soldOut: 'Sold out',
  inStock: 'In stock',
  emptyCart: 'Your cart is empty.',
  subtotal: 'Subtotal',
  remove: 'Remove',
  quantity: 'Quantity',
  continueShopping: 'Continue shopping',
  notLoaded: 'The demo data is not loaded yet: run "npm run demo" to load it and bring these pages to life.',
  promotions: 'Promotions',
  recommended: 'You may also like',
  added: 'Added to your cart',
  notFound: 'We could not find that page.',
};

const AR: ShopText = {
  shop: 'متجر رابور التجريبي',
  tagline: 'أشياء يومية، مصنوعة بعناية.',
  home: 'الرئيسية',
  cart: 'السلة',
  language: 'اللغة',
  departments: { Apparel: 'الملابس', Footwear: 'الأحذية', Beauty: 'الجمال', Home: 'المنزل', Electronics: 'الإلكترونيات' },
  featured: 'مختارات هذا الأسبوع',
  addToCart: 'أضف إلى السلة',
  soldOut: 'نفدت الكمية',
  inStock: 'متوفر',
  emptyCart: 'سلتك فارغة.',
  subtotal: 'المجموع الفرعي',
  remove: 'إزالة',
  quantity: 'الكمية',
  continueShopping: 'متابعة التسوق',
  notLoaded: 'لم يتم تحميل بيانات العرض بعد: شغّل "npm run demo" لتحميلها.',
  promotions: 'العروض',
  recommended: 'قد يعجبك أيضًا',
  added: 'تمت الإضافة إلى سلتك',
  notFound: 'لم نعثر على هذه الصفحة.',
};

const JA: ShopText = {
  shop: 'Rapport デモショップ',
  tagline: '毎日使うものを、丁寧に。',
  home: 'ホーム',
  cart: 'カート',
  language: '言語',
  departments: { Apparel: 'アパレル', Footwear: 'シューズ', Beauty: 'ビューティー', Home: 'ホーム＆キッチン', Electronics: '家電' },
  featured: '今週のおすすめ',
  addToCart: 'カートに追加',
  soldOut: '売り切れ',
  inStock: '在庫あり',
  emptyCart: 'カートは空です。',
  subtotal: '小計',
  remove: '削除',
  quantity: '数量',
  continueShopping: '買い物を続ける',
  notLoaded: 'デモデータがまだ読み込まれていません。「npm run demo」を実行してください。',
  promotions: 'キャンペーン',
  recommended: 'こちらもおすすめ',
  added: 'カートに追加しました',
  notFound: 'ページが見つかりませんでした。',
};

const TEXT: Record<ShopLang, ShopText> = { en: EN, ar: AR, ja: JA };

/** The shop's language from `?lang=`; anything else is English. */
export function shopLang(value: unknown): ShopLang {
  return value === 'ar' || value === 'ja' ? value : 'en';
}

export function shopText(lang: ShopLang): ShopText {
  return TEXT[lang];
}
