import { Type, type Static } from '@sinclair/typebox';
import type { ChannelName } from '../shared/channel.js';

/** What one locale of a template holds; which fields a channel reads is listed in `channelFields`. */
export const TemplateContentSchema = Type.Object(
  {
    /** Email subject (Liquid). */
    subject: Type.Optional(Type.String({ maxLength: 1000 })),
    /** Email: MJML or HTML; SMS, push, inbox: text; webhook: a JSON document (all Liquid). */
    body: Type.String({ maxLength: 500_000 }),
    /** Email plain-text part (Liquid); derived from the HTML when absent. */
    text: Type.Optional(Type.String({ maxLength: 200_000 })),
    /** Push and inbox title (Liquid). */
    title: Type.Optional(Type.String({ maxLength: 1000 })),
    /** Push and inbox link (Liquid). */
    url: Type.Optional(Type.String({ maxLength: 2000 })),
    /** Email body format: `mjml` (compiled once per version) or `html`. */
    format: Type.Optional(Type.Union([Type.Literal('mjml'), Type.Literal('html')])),
  },
  { additionalProperties: false },
);
export type TemplateContent = Static<typeof TemplateContentSchema>;

/** A version's source: the default locale and per-locale variants (`fr`, `de-CH`, ...). */
export const TemplateSourceSchema = Type.Object(
  {
    default: TemplateContentSchema,
    locales: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' }), TemplateContentSchema)),
  },
  { additionalProperties: false },
);
export type TemplateSource = Static<typeof TemplateSourceSchema>;

/** One locale after MJML compilation: every field still holds Liquid. */
export interface CompiledContent {
  subject: string | undefined;
  html: string | undefined;
  text: string | undefined;
  title: string | undefined;
  url: string | undefined;
}

export interface Template {
  id: string;
  name: string;
  channel: ChannelName;
  publishedVersion: number | null;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
}

export interface TemplateVersion {
  templateId: string;
  version: number;
  source: TemplateSource;
  compiled: Record<string, CompiledContent>;
  createdAt: string;
}

/** What a render produced, ready for a provider. */
export interface RenderedMessage {
  subject?: string;
  html?: string;
  text: string;
  title?: string;
  url?: string;
  locale: string;
}
