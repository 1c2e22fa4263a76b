import { builtInTopicKey, builtInTopicNames, type BuiltInTopicKey } from '../../../src/privacy/built-in-topics.js';
import { defineMessages, useT } from './i18n';

/*
 * The consent topics every workspace starts with (src/privacy/built-in-topics.ts, shared with the
 * server), named in the screen's language by key. The API stores only a workspace's own labels: a built-in topic it
 * never relabelled comes with `updatedAt: null`, and reads here in the reader's language; a label
 * the workspace wrote is its own words and shows as written.
 */

const messages = defineMessages<BuiltInTopicKey>(builtInTopicNames);

/**
 * A topic's label in the screen's language when it is a built-in one the workspace left as it was.
 * @example const label = useTopicLabel(); label({ key: 'promotions', label: 'Sales, coupons and offers', builtIn: true, updatedAt: null })
 */
export function useTopicLabel(): (topic: { key: string; label: string; builtIn?: boolean; updatedAt?: string | null }) => string {
  const t = useT(messages);
  return (topic) => {
    const key = builtInTopicKey(topic.key);
    return key !== undefined && topic.builtIn === true && topic.updatedAt === null ? t(key) : topic.label;
  };
}
