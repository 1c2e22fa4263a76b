import { Type, type Static } from '@sinclair/typebox';
import { ChannelNameSchema } from '../shared/channel.js';

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

/** A template as the API shows it (its versions apart). */
export const TemplateSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  channel: ChannelNameSchema,
  publishedVersion: Type.Union([Type.Integer(), Type.Null()]),
  latestVersion: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Template = Static<typeof TemplateSchema>;

export interface TemplateVersion {
  templateId: string;
  version: number;
  source: TemplateSource;
  compiled: Record<string, CompiledContent>;
  createdAt: string;
}

/** What a render produced, ready for a provider. */
export const RenderedMessageSchema = Type.Object({
  subject: Type.Optional(Type.String()),
  html: Type.Optional(Type.String()),
  text: Type.String(),
  title: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
  locale: Type.String(),
});
export type RenderedMessage = Static<typeof RenderedMessageSchema>;
