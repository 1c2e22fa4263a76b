import { defineMessages, useT } from './i18n';

/*
 * The consent topics every workspace starts with (src/privacy/consent-service.ts), named in the
 * screen's language by key. The API stores only a workspace's own labels: a built-in topic it
 * never relabelled comes with `updatedAt: null`, and reads here in the reader's language; a label
 * the workspace wrote is its own words and shows as written.
 */

const BUILT_IN = ['newsletter', 'promotions', 'product_news'] as const;
type BuiltIn = (typeof BUILT_IN)[number];

const messages = defineMessages<BuiltIn>({
  en: { newsletter: 'Newsletter and stories', promotions: 'Sales, coupons and offers', product_news: 'New arrivals, price drops and back in stock' },
  ar: { newsletter: 'النشرة الإخبارية والقصص', promotions: 'التخفيضات والقسائم والعروض', product_news: 'الوصول الجديد وانخفاض الأسعار وعودة التوفر' },
  ja: { newsletter: 'ニュースレターとストーリー', promotions: 'セール、クーポン、特典', product_news: '新着、値下げ、再入荷' },
});

const builtInKey = (key: string): BuiltIn | undefined => BUILT_IN.find((candidate) => candidate === key);

/**
 * A topic's label in the screen's language when it is a built-in one the workspace left as it was.
 * @example const label = useTopicLabel(); label({ key: 'promotions', label: 'Sales, coupons and offers', builtIn: true, updatedAt: null })
 */
export function useTopicLabel(): (topic: { key: string; label: string; builtIn?: boolean; updatedAt?: string | null }) => string {
  const t = useT(messages);
  return (topic) => {
    const key = builtInKey(topic.key);
    return key !== undefined && topic.builtIn === true && topic.updatedAt === null ? t(key) : topic.label;
  };
}
