import { Type, type Static } from '@sinclair/typebox';

/*
 * The channel vocabulary: which channels a message can go out on, which of them a person
 * consents to, and where engagement is seen. One schema per concept, its type of the same name.
 * It lives in shared rather than in channels because templates and profiles, which sit below
 * channels in the boundary table, name channels too.
 */

/** The channels a message can be sent on. */
export const ChannelNameSchema = Type.Union([Type.Literal('email'), Type.Literal('sms'), Type.Literal('push'), Type.Literal('webhook'), Type.Literal('inbox')]);
export type ChannelName = Static<typeof ChannelNameSchema>;
export const channelNames: readonly ChannelName[] = ChannelNameSchema.anyOf.map((literal) => literal.const);

export function isChannelName(value: unknown): value is ChannelName {
  return channelNames.includes(value as ChannelName);
}

/** The channels a person subscribes to or unsubscribes from (an address of theirs receives them). */
export const ConsentChannelSchema = Type.Union([Type.Literal('email'), Type.Literal('sms'), Type.Literal('push')]);
export type ConsentChannel = Static<typeof ConsentChannelSchema>;
export const consentChannels: readonly ConsentChannel[] = ConsentChannelSchema.anyOf.map((literal) => literal.const);

/** Where a person engages: on the site or app, or with a message of a consent channel. */
export const EngagementChannelSchema = Type.Union([Type.Literal('web'), Type.Literal('app'), ...ConsentChannelSchema.anyOf]);
export type EngagementChannel = Static<typeof EngagementChannelSchema>;
export const engagementChannels: readonly EngagementChannel[] = EngagementChannelSchema.anyOf.map((literal) => literal.const);
