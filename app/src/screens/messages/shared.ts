import { defineMessages } from '../../i18n/i18n';

/** What the Messages screens share: API shapes and channel names in three languages. */
export type Channel = 'email' | 'sms' | 'push' | 'inbox' | 'webhook';
export const CHANNELS: Channel[] = ['email', 'sms', 'push', 'inbox', 'webhook'];

export interface Template {
  id: string;
  name: string;
  channel: Channel;
  publishedVersion: number | null;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
}

export interface TemplateContent {
  subject?: string;
  body: string;
  text?: string;
  title?: string;
  url?: string;
  format?: 'mjml' | 'html';
}

export interface TemplateDetail extends Template {
  source: { default: TemplateContent; locales?: Record<string, TemplateContent> };
}

export interface Profile {
  id: string;
  traits: Record<string, unknown>;
  identities: { type: string; value: string }[];
}

/** A person as a picker shows them: name, email or id. */
export function profileLabel(profile: Profile): string {
  const traits = profile.traits;
  const name = [traits.first_name ?? traits.firstName, traits.last_name ?? traits.lastName].filter((part) => typeof part === 'string' && part !== '').join(' ');
  const email = typeof traits.email === 'string' ? traits.email : profile.identities.find((identity) => identity.type === 'email')?.value;
  return [name, email].filter((part) => part !== undefined && part !== '').join(' · ') || profile.id;
}

export const channelMessages = defineMessages({
  en: { email: 'Email', sms: 'SMS', push: 'Push', inbox: 'Inbox', webhook: 'Webhook' },
  ar: { email: 'البريد الإلكتروني', sms: 'رسائل SMS', push: 'الإشعارات', inbox: 'صندوق الرسائل', webhook: 'Webhook' },
  ja: { email: 'メール', sms: 'SMS', push: 'プッシュ', inbox: 'インボックス', webhook: 'Webhook' },
});

/** Where each channel's new template starts: valid at once, personalised, easy to change. */
export function blankSource(channel: Channel): TemplateDetail['source'] {
  switch (channel) {
    case 'email':
      return {
        default: {
          subject: 'Hello {{ profile.first_name | default: "there" }}',
          format: 'mjml',
          body: [
            '<mjml>',
            '  <mj-body>',
            '    <mj-section>',
            '      <mj-column>',
            '        <mj-text>Hi {{ profile.first_name | default: "there" }},</mj-text>',
            '        <mj-button href="{{ brand.url }}">Visit the shop</mj-button>',
            '      </mj-column>',
            '    </mj-section>',
            '  </mj-body>',
            '</mjml>',
          ].join('\n'),
        },
      };
    case 'sms':
      return { default: { body: 'Hi {{ profile.first_name | default: "there" }}, ' } };
    case 'push':
    case 'inbox':
      return { default: { title: 'Hello {{ profile.first_name | default: "there" }}', body: 'Something new is waiting for you.' } };
    case 'webhook':
      return { default: { body: '{"profile": "{{ profile.id }}"}' } };
  }
}

/** Where a message stands, as the log's status filter and badges show it. */
export const STATUSES = ['queued', 'sent', 'delivered', 'opened', 'clicked', 'failed', 'bounced', 'complained', 'suppressed'] as const;

export const statusMessages = defineMessages({
  en: { queued: 'Queued', sent: 'Sent', delivered: 'Delivered', opened: 'Opened', clicked: 'Clicked', failed: 'Failed', bounced: 'Bounced', complained: 'Complained', suppressed: 'Suppressed' },
  ar: { queued: 'في الانتظار', sent: 'أُرسلت', delivered: 'وصلت', opened: 'فُتحت', clicked: 'نُقرت', failed: 'فشلت', bounced: 'ارتدت', complained: 'شكوى', suppressed: 'محظورة' },
  ja: { queued: '送信待ち', sent: '送信済み', delivered: '配信済み', opened: '開封', clicked: 'クリック', failed: '失敗', bounced: 'バウンス', complained: '苦情', suppressed: '配信停止' },
});
