/*
 * The consent topics every workspace starts with, named in each language the product speaks.
 * One list for the API's default labels (English), the shoppers' preferences page and the
 * dashboard (which imports this file), so a topic cannot read differently in two places.
 */

export const builtInTopicKeys = ['newsletter', 'promotions', 'product_news'] as const;
export type BuiltInTopicKey = (typeof builtInTopicKeys)[number];

export const builtInTopicNames: Readonly<Record<'en' | 'ar' | 'ja', Readonly<Record<BuiltInTopicKey, string>>>> = {
  en: { newsletter: 'Newsletter and stories', promotions: 'Sales, coupons and offers', product_news: 'New arrivals, price drops and back in stock' },
  ar: { newsletter: 'النشرة الإخبارية والقصص', promotions: 'التخفيضات والقسائم والعروض', product_news: 'الوصول الجديد وانخفاض الأسعار وعودة التوفر' },
  ja: { newsletter: 'ニュースレターとストーリー', promotions: 'セール、クーポン、特典', product_news: '新着、値下げ、再入荷' },
};

/**
 * The key as a built-in topic's, or undefined for a topic a workspace added.
 * @example builtInTopicKey('promotions') // 'promotions'
 */
export function builtInTopicKey(key: string): BuiltInTopicKey | undefined {
  return builtInTopicKeys.find((candidate) => candidate === key);
}
