import { type ChannelService, type LinkPayload, type LinkSigner, smsKeyword, type ChannelName } from '../channels/index.js';
import { type CouponService, describeOffer } from '../coupons/index.js';
import type { Profile, ProfileService } from '../profiles/index.js';
import { RapportError } from '../shared/errors.js';
import type { ConsentService } from './consent-service.js';
import type { BrandService } from '../workspaces/index.js';
import { maskAddress, renderPreferencesPage, type PreferencesModel } from './preferences-page.js';
import { builtInTopicText, channelText, pageLocale, pageText, type PageLocale } from './preferences-text.js';

export type PreferenceAction = 'unsubscribe_all' | 'save_topics' | 'stay' | 'resubscribe';

type UnsubscribeLink = Extract<LinkPayload, { k: 'unsubscribe' }>;

function channelOf(value: string): ChannelName {
  if (value === 'email' || value === 'sms' || value === 'push' || value === 'webhook' || value === 'inbox') return value;
  throw new RapportError('consent.channel_invalid', `unknown channel ${value}`);
}

/** The shopper's language: their profile's `locale` trait, the one their messages are rendered in. */
function localeOf(profile: Profile): PageLocale {
  return pageLocale(profile.traits.locale);
}

function addressOf(profile: Profile, channel: ChannelName): string | null {
  const trait = channel === 'email' ? profile.traits.email : channel === 'sms' ? profile.traits.phone : undefined;
  return typeof trait === 'string' && trait !== '' ? (channel === 'email' ? trait.toLowerCase() : trait) : null;
}

/**
 * What the hosted pages and provider callbacks do: the unsubscribe / preferences page (with a
 * parting gift), RFC 8058 one-click unsubscribe, double opt-in confirmation, SMS STOP/START,
 * and bounces and complaints from the email provider.
 * @example const html = await preferences.page(token);
 */
export class PreferencesService {
  constructor(
    private readonly deps: {
      links: LinkSigner;
      consent: ConsentService;
      coupons: CouponService;
      channels: ChannelService;
      profiles: Pick<ProfileService, 'getProfile' | 'lookupProfile'>;
      brands: Pick<BrandService, 'get'>;
    },
  ) {}

  /** The verified link, or a not_found error for a forged or damaged one. */
  verifyUnsubscribe(token: string): UnsubscribeLink {
    const payload = this.deps.links.verify(token);
    if (payload?.k !== 'unsubscribe') throw new RapportError('not_found', 'this link is not valid; open the latest message and use its link');
    return payload;
  }

  private async profileOf(link: UnsubscribeLink): Promise<Profile> {
    const profile = await this.deps.profiles.getProfile(link.w, link.p);
    if (profile === undefined) throw new RapportError('not_found', 'we hold no data about you any more');
    return profile;
  }

  async page(token: string, action: string, outcome: { notice: string | null; couponCode: string | null } = { notice: null, couponCode: null }): Promise<string> {
    const link = this.verifyUnsubscribe(token);
    const profile = await this.profileOf(link);
    const channel = channelOf(link.c);
    const ids = [profile.id, ...profile.mergedFrom];
    const preferences = (await this.deps.consent.preferences(link.w, ids))[channel] ?? {};
    const address = addressOf(profile, channel);
    const suppressed = address === null ? undefined : await this.deps.consent.suppression(link.w, channel, address);
    const profileStatus = channel === 'email' || channel === 'sms' || channel === 'push' ? profile.consent[channel].status : 'unknown';
    const subscribed = preferences.all !== undefined ? preferences.all === 'subscribed' : profileStatus !== 'unsubscribed' && suppressed?.reason !== 'unsubscribed';
    const locale = localeOf(profile);
    // The workspace's topics, then any other topic this person has a choice recorded for. A
    // built-in topic the workspace never relabelled is named in the shopper's language.
    const labels = new Map(
      (await this.deps.consent.topics(link.w)).map((topic) => [topic.key, (topic.builtIn && topic.updatedAt === null ? builtInTopicText(locale, topic.key) : undefined) ?? topic.label]),
    );
    const keys = new Set([...labels.keys(), ...Object.keys(preferences).filter((key) => key !== 'all')]);
    const topics = [...keys].map((key) => ({ key, label: labels.get(key) ?? key.replace(/_/g, ' '), subscribed: preferences[key] !== 'unsubscribed' }));
    const parting = await this.deps.coupons.partingPool(link.w);
    const partingOffer = parting === undefined ? null : parting.rule.kind === 'fixed' ? describeOffer(parting.rule.offer) : 'a surprise discount';
    const brand = await this.deps.brands.get(link.w);
    const model: PreferencesModel = {
      locale,
      action,
      shopName: brand.shopName,
      shopUrl: brand.shopUrl,
      logoUrl: brand.logoUrl,
      primaryColor: brand.colors.primary,
      postalAddress: brand.postalAddress,
      channel,
      address: address === null ? null : maskAddress(address),
      subscribed,
      topics,
      partingOffer,
      notice: outcome.notice,
      couponCode: outcome.couponCode,
    };
    return renderPreferencesPage(model);
  }

  /** Applies a form action from the page; returns what to tell the person. */
  async act(token: string, action: PreferenceAction, topics: string[]): Promise<{ notice: string; couponCode: string | null }> {
    const link = this.verifyUnsubscribe(token);
    const profile = await this.profileOf(link);
    const channel = channelOf(link.c);
    const address = addressOf(profile, channel) ?? undefined;
    const locale = localeOf(profile);
    const say = (key: Parameters<typeof pageText>[1], vars: Record<string, string> = {}) => pageText(locale, key, { channel: channelText(locale, channel), ...vars });
    switch (action) {
      case 'unsubscribe_all':
        await this.unsubscribe(link, profile, 'unsubscribe_page');
        return { notice: say('noticeUnsubscribed'), couponCode: null };
      case 'resubscribe':
        await this.deps.consent.record(link.w, profile.id, { channel, status: 'subscribed', source: 'preferences_page', address });
        return { notice: say('noticeWelcomeBack'), couponCode: null };
      case 'save_topics': {
        const wanted = new Set(topics);
        const known = new Set([...(await this.deps.consent.topics(link.w)).map((topic) => topic.key), ...topics]);
        for (const topic of known) {
          if (!/^[a-z0-9_-]{1,64}$/.test(topic)) continue;
          await this.deps.consent.record(link.w, profile.id, { channel, topic, status: wanted.has(topic) ? 'subscribed' : 'unsubscribed', source: 'preferences_page' });
        }
        return { notice: say('noticeSaved'), couponCode: null };
      }
      case 'stay': {
        const pool = await this.deps.coupons.partingPool(link.w);
        if (pool === undefined) return { notice: say('noticeThanks'), couponCode: null };
        const issued = await this.deps.coupons.issue(link.w, pool.id, { profileId: profile.id, messageId: `parting:${link.m ?? profile.id}`, scores: profile.scores });
        return { notice: say('noticeThanksCode', { offer: issued.description }), couponCode: issued.code };
      }
    }
  }

  /** RFC 8058 one-click unsubscribe (a mail client's POST, no page). */
  async oneClick(token: string): Promise<void> {
    const link = this.verifyUnsubscribe(token);
    await this.unsubscribe(link, await this.profileOf(link), 'list_unsubscribe');
  }

  private async unsubscribe(link: UnsubscribeLink, profile: Profile, source: string): Promise<void> {
    const channel = channelOf(link.c);
    await this.deps.consent.record(link.w, profile.id, { channel, status: 'unsubscribed', source, address: addressOf(profile, channel) ?? undefined });
  }

  /** Confirms a double opt-in link. */
  async confirm(token: string): Promise<{ channel: string; shop: { shopName: string; shopUrl: string | null; logoUrl: string | null } }> {
    const payload = this.deps.links.verify(token);
    if (payload?.k !== 'confirm') throw new RapportError('not_found', 'this confirmation link is not valid; sign up again to get a new one');
    const profile = await this.deps.profiles.getProfile(payload.w, payload.p);
    if (profile === undefined) throw new RapportError('not_found', 'we hold no data about you any more');
    const channel = channelOf(payload.c);
    await this.deps.consent.record(payload.w, profile.id, { channel, status: 'subscribed', source: 'double_opt_in', address: addressOf(profile, channel) ?? undefined });
    const brand = await this.deps.brands.get(payload.w);
    return { channel, shop: { shopName: brand.shopName, shopUrl: brand.shopUrl, logoUrl: brand.logoUrl } };
  }

  /**
   * Starts a double opt-in: records the consent as pending and sends the confirmation
   * template (transactional) with `confirm_url` in its data.
   */
  async requestDoubleOptIn(workspaceId: string, profileId: string, templateId: string, source: string, confirmBaseUrl: string): Promise<{ status: string; messageId: string }> {
    const profile = await this.deps.profiles.getProfile(workspaceId, profileId);
    if (profile === undefined) throw new RapportError('not_found', `no profile ${profileId}`);
    await this.deps.consent.record(workspaceId, profile.id, { channel: 'email', status: 'pending', source });
    const token = this.deps.links.sign({ k: 'confirm', w: workspaceId, p: profile.id, c: 'email' });
    const result = await this.deps.channels.send({
      workspaceId,
      profileId: profile.id,
      channel: 'email',
      templateId,
      idempotencyKey: `double-opt-in:${profile.id}:${Date.now()}`,
      purpose: 'transactional',
      data: { confirm_url: `${confirmBaseUrl.replace(/\/$/, '')}/v1/confirm/${token}` },
      source: { kind: 'api', id: 'double_opt_in' },
    });
    return { status: result.status, messageId: result.messageId };
  }

  /** An inbound SMS: STOP and START keywords change consent. Returns what was done. */
  async inboundSms(workspaceId: string, from: string, body: string): Promise<'stop' | 'start' | 'ignored'> {
    const keyword = smsKeyword(body);
    if (keyword === undefined) return 'ignored';
    const profile = await this.deps.profiles.lookupProfile(workspaceId, 'phone', from);
    if (keyword === 'stop') {
      // Carriers require honouring STOP even from a number we cannot match to a profile.
      await this.deps.consent.suppress(workspaceId, 'sms', from, 'unsubscribed');
      if (profile !== undefined) await this.deps.consent.record(workspaceId, profile.id, { channel: 'sms', status: 'unsubscribed', source: 'sms_stop', address: from });
      return 'stop';
    }
    await this.deps.consent.unsuppress(workspaceId, 'sms', from);
    if (profile !== undefined) await this.deps.consent.record(workspaceId, profile.id, { channel: 'sms', status: 'subscribed', source: 'sms_start', address: from });
    return 'start';
  }

  /** A bounce or complaint from the email provider: suppress the address and update the message. */
  async emailFeedback(workspaceId: string, event: { type: 'delivered' | 'bounce' | 'complaint'; email: string; messageId?: string | undefined; permanent?: boolean | undefined }): Promise<void> {
    if (event.type === 'bounce' && event.permanent !== false) await this.deps.consent.suppress(workspaceId, 'email', event.email, 'bounced');
    if (event.type === 'complaint') await this.deps.consent.suppress(workspaceId, 'email', event.email, 'complained');
    if (event.messageId === undefined) return;
    const status = event.type === 'delivered' ? 'delivered' : event.type === 'bounce' ? 'bounced' : 'complained';
    const advanced = await this.deps.channels.advance(workspaceId, event.messageId, status, event.type === 'delivered' ? {} : { reason: event.type });
    // Providers often report their own Message-ID rather than ours.
    if (advanced === undefined) await this.deps.channels.advanceByProviderId(workspaceId, event.messageId, status, event.type);
  }
}
