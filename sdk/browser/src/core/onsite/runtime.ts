import { touchSession, visits } from '../session.js';
import { own, now, report, safe } from '../util.js';
import type { Tracker } from '../tracker.js';
import type { Cart, CompiledCampaign, Content, OnsiteConfig, Rule, Trigger, VisitorFacts } from '../types.js';
import { assign } from './assign.js';
import { cappedBy, markClosed, markViewed, wasClosed } from './caps.js';
import { fetchConfig, forgetFacts, visitorFacts } from './config.js';
import { widgetHooks } from './hooks.js';
import { hasWidget, loadWidget, render, type Rendered } from './render.js';
import { deviceOf, needsFacts, ruleMatches, type RuleEnv } from './rules.js';
import { armTrigger } from './triggers.js';
import type { Endpoint } from './net.js';

/*
 * The on-site runtime: arms each live campaign's triggers per page view, and when one fires,
 * re-checks audience, caps and the one-modal-per-page limit right before showing, assigns the
 * variant (or holdout), renders and logs exactly one `Experience Viewed` per render. Every
 * decision is also announced as a `rapport:onsite` DOM event for the page (and the tests).
 */
export type Outcome = 'shown' | 'holdout' | 'capped' | 'audience' | 'page_limit' | 'unavailable' | 'failed';
type Candidate = { campaign: CompiledCampaign; trigger: string; forced?: { variant?: string; preview?: boolean } };

const FACTS_WAIT_MS = 3000;

export class Onsite {
  config: OnsiteConfig | null = null;
  facts: VisitorFacts | null = null;
  cart: Cart | null = null;
  /** Facts are personal: fetched only once tracking consent is granted. */
  factsAllowed = false;
  private factsLoad: Promise<void> | null = null;
  private readonly eventListeners = new Set<(name: string) => void>();
  private readonly cartListeners = new Set<() => void>();
  private cleanups: Array<() => void> = [];
  private pending: Candidate[] = [];
  private shown = new Set<string>();
  private modals = 0;
  private pageStart = now();
  private readonly rendered = new Map<string, Rendered>();
  private readonly preview: { id: string; variant?: string } | undefined;

  constructor(
    readonly endpoint: Endpoint,
    readonly tracker: Tracker,
    readonly swUrl: string,
  ) {
    const params = new URLSearchParams(location.search);
    const id = params.get('rapport_preview');
    this.preview = id === null ? undefined : { id, ...(params.get('rapport_variant') === null ? {} : { variant: params.get('rapport_variant') ?? '' }) };
    tracker.listeners.push((message) => {
      if (message.type === 'track' && typeof message.event === 'string') this.emit(message.event);
      if (message.type === 'identify') this.refreshFacts(true);
    });
  }

  /** Uses `cached` (if any) at once, then the server's copy; a changed version re-arms the page. */
  async start(cached: OnsiteConfig | undefined, fresh?: OnsiteConfig): Promise<void> {
    if (cached !== undefined) this.use(cached);
    this.refreshFacts(false);
    const latest = fresh ?? (await fetchConfig(this.endpoint, this.preview?.id).catch(() => undefined));
    // A preview's copy holds its campaign even when not live: always use it.
    if (latest !== undefined && (this.preview !== undefined || latest.version !== this.config?.version)) this.use(latest);
  }

  private use(config: OnsiteConfig): void {
    this.config = config;
    this.arm();
  }

  /** A new page view of a single-page app: the page-view limits reset and triggers re-arm. */
  navigate(): void {
    this.pageStart = now();
    this.shown = new Set(this.rendered.keys());
    this.modals = [...this.rendered.keys()].filter((id) => this.campaign(id)?.modal === true).length;
    this.arm();
  }

  emit(name: string): void {
    for (const listener of [...this.eventListeners]) safe(listener)(name);
  }

  setCart(cart: Cart): void {
    this.cart = cart;
    for (const listener of [...this.cartListeners]) safe(listener)();
    this.emit('$cart');
  }

  onCart(listener: () => void): () => void {
    this.cartListeners.add(listener);
    return () => this.cartListeners.delete(listener);
  }

  refreshFacts(force: boolean): void {
    if (force) forgetFacts();
    if (!this.factsAllowed) return;
    const tracker = this.tracker;
    this.factsLoad = visitorFacts(this.endpoint, { anonymousId: tracker.anonymousId, userId: tracker.userId, userHash: tracker.userHash })
      .then((facts) => {
        this.facts = facts;
        // Campaigns a journey queued for this person skip the audience rules that kept them unarmed.
        if (facts !== null && facts.queued.length > 0) this.arm();
      })
      .catch(report);
  }

  campaign(id: string): CompiledCampaign | undefined {
    return this.config?.campaigns.find((campaign) => campaign.id === id);
  }

  /** Shows a campaign now, ignoring triggers, audience and caps (preview and the editor). */
  show(id: string, variant?: string): void {
    const campaign = this.campaign(id);
    if (campaign !== undefined) this.enqueue({ campaign, trigger: 'manual', forced: { preview: true, ...(variant === undefined ? {} : { variant }) } });
  }

  private arm(): void {
    for (const cleanup of this.cleanups) safe(cleanup)();
    this.cleanups = [];
    const config = this.config;
    if (config === null) return;
    if (this.preview !== undefined) {
      this.show(this.preview.id, this.preview.variant);
      return;
    }
    const session = touchSession(false);
    const env = {
      pageStart: this.pageStart,
      sessionStart: session.start,
      touch: deviceOf(navigator.userAgent, innerWidth) !== 'desktop',
      onEvent: (listener: (name: string) => void) => this.listen(listener),
    };
    for (const campaign of config.campaigns) {
      if (!hasWidget(campaign.type) || this.shown.has(campaign.id)) continue;
      if (!this.audience(campaign, true)) continue;
      loadWidget(`${this.endpoint.host}/sdk/v1`, campaign.type).catch(() => undefined); // warm the chunk so the trigger shows at once
      const triggers: Trigger[] = campaign.triggers.length === 0 ? [{ type: 'page_load' }] : campaign.triggers;
      for (const trigger of triggers) this.cleanups.push(armTrigger(trigger, env, () => this.enqueue({ campaign, trigger: trigger.type })));
    }
  }

  private listen(listener: (name: string) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private ruleEnv(): RuleEnv {
    return {
      url: location.href,
      path: location.pathname,
      host: location.hostname,
      device: deviceOf(navigator.userAgent, innerWidth),
      language: (document.documentElement.lang || navigator.language || '').toLowerCase(),
      facts: this.facts,
      session: touchSession(false),
      visits: visits(),
      cart: this.cart,
      identified: this.tracker.userId !== null,
      time: now(),
    };
  }

  /** Audience rules (AND); `optimistic` (arming) lets rules pass that can still change during the page view. */
  private audience(campaign: CompiledCampaign, optimistic: boolean): boolean {
    if (this.facts?.queued.some((entry) => entry.campaignId === campaign.id)) return true; // a journey queued it for this person
    if (campaign.teaserOf !== undefined && (!wasClosed(campaign.teaserOf) || this.rendered.has(campaign.teaserOf))) return false;
    const env = this.ruleEnv();
    return campaign.audience.every((rule) => (optimistic && changes(rule)) || ruleMatches(rule, env));
  }

  private enqueue(candidate: Candidate): void {
    if (this.pending.some((entry) => entry.campaign.id === candidate.campaign.id) || this.shown.has(candidate.campaign.id)) return;
    this.pending.push(candidate);
    // Candidates that fire together are decided together, highest priority first.
    if (this.pending.length === 1) setTimeout(() => void this.decideAll().catch(report), 0);
  }

  private async decideAll(): Promise<void> {
    const batch = this.pending.sort((a, b) => b.campaign.priority - a.campaign.priority);
    this.pending = [];
    if (batch.some((entry) => entry.campaign.audience.some(needsFacts)) && this.factsLoad !== null) {
      await Promise.race([this.factsLoad, new Promise((resolve) => setTimeout(resolve, FACTS_WAIT_MS))]);
    }
    for (const candidate of batch) {
      const outcome = await this.decide(candidate).catch((error: unknown) => {
        report(error);
        return 'failed' as const;
      });
      // Caps and the page limit will not change during this page view: stop re-deciding on every scroll.
      if (outcome === 'capped' || outcome === 'page_limit' || outcome === 'unavailable') this.shown.add(candidate.campaign.id);
      announce(candidate.campaign.id, outcome);
    }
  }

  private async decide({ campaign, trigger, forced }: Candidate): Promise<Outcome> {
    const config = this.config;
    if (config === null || this.shown.has(campaign.id)) return 'capped';
    if (!hasWidget(campaign.type)) return 'unavailable';
    const session = touchSession(false);
    if (forced === undefined) {
      if (!this.audience(campaign, false)) return 'audience';
      if (campaign.modal && this.modals >= config.global.maxModalsPerPage) return 'page_limit';
      if (cappedBy(campaign, session.id, this.facts, config.global.quietPeriodSeconds) !== null) return 'capped';
    }
    const assignment = assign(campaign, this.tracker.anonymousId);
    if (assignment === undefined) return 'unavailable';
    const variant = forced?.variant ?? assignment.variant;
    this.shown.add(campaign.id);
    const properties = { campaign_id: campaign.id, campaign_type: campaign.type, variant, trigger };
    if (assignment.holdout && forced === undefined) {
      markViewed(campaign, session.id);
      this.tracker.send('track', { event: 'Experience Viewed', properties: { ...properties, holdout: true, would_have_shown: true } }, undefined);
      return 'holdout';
    }
    if (campaign.modal) this.modals++;
    const shown = await this.mount(campaign, variant, trigger, forced?.preview === true);
    if (!shown) {
      this.shown.delete(campaign.id);
      if (campaign.modal) this.modals--;
      return 'failed';
    }
    if (forced?.preview) return 'shown'; // previews never count as exposures or against caps
    markViewed(campaign, session.id);
    this.tracker.send('track', { event: 'Experience Viewed', properties }, undefined);
    return 'shown';
  }

  private async mount(campaign: CompiledCampaign, variant: string, trigger: string, preview: boolean): Promise<boolean> {
    const config = this.config;
    if (config === null) return false;
    const entry = campaign.variants.find((candidate) => candidate.key === variant) ?? campaign.variants[0];
    if (entry === undefined) return false;
    const [locale, content] = pickContent(entry.content, campaign.defaultLocale, this.facts?.locale ?? null);
    const log = (event: string, extra: Record<string, unknown> = {}) => {
      if (!preview) this.tracker.send('track', { event, properties: { ...extra, campaign_id: campaign.id, campaign_type: campaign.type, variant, trigger } }, undefined);
    };
    const hooks = widgetHooks(this, campaign, variant, content, locale, log);
    const rendered = await render(`${this.endpoint.host}/sdk/v1`, campaign, config.brand, locale, hooks, () => {
      this.rendered.delete(campaign.id);
      log('Experience Closed');
      if (!preview) markClosed(campaign.id);
    });
    if (rendered === undefined) return false;
    this.rendered.set(campaign.id, rendered);
    return true;
  }

  /** A teaser (floating icon) reopens the campaign it stands for, past its caps: the visitor asked. */
  reopen(teaser: CompiledCampaign): void {
    const target = teaser.teaserOf === undefined ? undefined : this.campaign(teaser.teaserOf);
    this.rendered.get(teaser.id)?.close();
    if (target === undefined) return;
    this.shown.delete(target.id);
    this.enqueue({ campaign: target, trigger: 'teaser', forced: {} });
  }
}

/** Rules whose answer can change within one page view (facts arrive, cart, identify). */
function changes(rule: Rule): boolean {
  return needsFacts(rule) || rule.type === 'cart' || rule.type === 'identified';
}

function announce(campaignId: string, outcome: Outcome): void {
  try {
    window.dispatchEvent(new CustomEvent('rapport:onsite', { detail: { campaignId, outcome } }));
  } catch (error) {
    report(error);
  }
}

/** The variant's copy in the visitor's language: profile locale, then page language, then browser, then the campaign default. */
export function pickContent(content: Record<string, Content>, fallback: string, profileLocale: string | null): [string, Content] {
  const wanted = [profileLocale, document.documentElement.lang, navigator.language].filter((value): value is string => typeof value === 'string' && value !== '');
  const keys = Object.keys(content);
  for (const locale of wanted) {
    const lower = locale.toLowerCase();
    const key = keys.find((candidate) => candidate.toLowerCase() === lower) ?? keys.find((candidate) => candidate.toLowerCase() === lower.split('-')[0]);
    const chosen = key === undefined ? undefined : own(content, key);
    if (key !== undefined && chosen !== undefined) return [key, chosen];
  }
  const key = own(content, fallback) !== undefined ? fallback : (keys[0] ?? fallback);
  return [key, own(content, key) ?? {}];
}
