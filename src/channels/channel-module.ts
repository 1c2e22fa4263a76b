import type { OutboundGuard } from './outbound/guard.js';
import type { CatalogService } from '../catalog/index.js';
import { CouponService } from '../coupons/index.js';
import type { IngestService } from '../ingest/index.js';
import { ConsentService, PreferencesService } from '../privacy/index.js';
import type { ProfileService } from '../profiles/index.js';
import type { Clock } from '../shared/clock.js';
import { SecretBox } from '../shared/secret-box.js';
import type { Database } from '../storage/database.js';
import { type RecommendationSlotProvider, TemplateService } from '../templates/index.js';
import { BrandService } from '../workspaces/index.js';
import { ChannelService, type ChannelSettings } from './channel-service.js';
import { LinkSigner } from './links.js';
import { ProfileEvents } from './profile-events.js';
import type { ChannelProvider } from './provider.js';
import type { ChannelName } from './sender.js';
import { WebhookDestinations } from './webhook-destinations.js';

export interface ChannelModuleDeps {
  database: Database;
  clock: Clock;
  ingest: Pick<IngestService, 'ingest'>;
  profiles: Pick<ProfileService, 'getProfile' | 'lookupProfile'>;
  catalog: Pick<CatalogService, 'getProduct'>;
  providers: Partial<Record<ChannelName, ChannelProvider>>;
  settings: ChannelSettings;
  /** HMAC key for tracking and unsubscribe links (at least 16 bytes), or a function reading it on first use. */
  linkSecret: Buffer | (() => Buffer);
  recommendations?: RecommendationSlotProvider;
  /** Injected for tests: the uniform draw behind mystery coupons. */
  uniform?: () => number;
  sleep?: (ms: number) => Promise<void>;
  logger?: { warn(object: object, message: string): void };
  /** Seals webhook secrets at rest; default a key held in memory only (tests, benchmarks). */
  secrets?: SecretBox;
  /** The templates and coupons modules' services when the app built them; default new ones on the same store. */
  templates?: TemplateService;
  coupons?: CouponService;
  /** Refuses private webhook destinations when they are added; default no operator allow list. */
  guard?: OutboundGuard;
}

/** Everything the channels issue builds, wired once. */
export interface ChannelModule {
  templates: TemplateService;
  coupons: CouponService;
  consent: ConsentService;
  events: ProfileEvents;
  links: LinkSigner;
  channels: ChannelService;
  preferences: PreferencesService;
  webhooks: WebhookDestinations;
  /** The workspace brand every template, hosted page and report uses. */
  brands: BrandService;
}

/**
 * Wires templates, coupons, consent and the sender together (used by the composition root,
 * the benchmark and tests, so all three run the same graph).
 * @example const module = createChannelModule({ database, clock, ingest, profiles, catalog, providers, settings, linkSecret });
 */
export function createChannelModule(deps: ChannelModuleDeps): ChannelModule {
  const templates = deps.templates ?? new TemplateService({ database: deps.database, clock: deps.clock });
  const coupons = deps.coupons ?? new CouponService({ database: deps.database, clock: deps.clock, ...(deps.uniform === undefined ? {} : { uniform: deps.uniform }) });
  const events = new ProfileEvents({ ingest: deps.ingest, profiles: deps.profiles, clock: deps.clock });
  const consent = new ConsentService({ database: deps.database, clock: deps.clock, events });
  const links = new LinkSigner(deps.linkSecret);
  const webhooks = new WebhookDestinations({ database: deps.database, clock: deps.clock, secrets: deps.secrets ?? SecretBox.ephemeral(), guard: deps.guard });
  const brands = new BrandService({ database: deps.database, clock: deps.clock });
  const channels = new ChannelService({
    database: deps.database,
    clock: deps.clock,
    templates,
    profiles: deps.profiles,
    catalog: deps.catalog,
    coupons,
    consent,
    events,
    links,
    providers: deps.providers,
    settings: deps.settings,
    webhooks,
    brands,
    ...(deps.recommendations === undefined ? {} : { recommendations: deps.recommendations }),
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
  const preferences = new PreferencesService({ links, consent, coupons, channels, profiles: deps.profiles, brands });
  return { templates, coupons, consent, events, links, channels, preferences, webhooks, brands };
}
