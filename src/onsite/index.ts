import type { Kernel } from '../app/kernel.js';
import { dependsOn, type Module } from '../app/module.js';
import type { ChannelsModule } from '../channels/index.js';
import type { CouponsModule } from '../coupons/index.js';
import type { IngestModule } from '../ingest/index.js';
import type { JourneysModule } from '../journeys/index.js';
import type { ProfilesModule } from '../profiles/index.js';
import type { SchedulerModule } from '../scheduler/index.js';
import type { SegmentsModule } from '../segments/index.js';
import type { TemplatesModule } from '../templates/index.js';
import { RapportError } from '../shared/errors.js';
import type { CouponService } from '../coupons/coupon-service.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { JourneyService } from '../journeys/journey-service.js';
import type { ConsentService } from '../privacy/consent-service.js';
import type { PreferencesService } from '../privacy/preferences-service.js';
import type { PersonalDataHandler } from '../privacy/privacy-registry.js';
import type { Profile } from '../profiles/profile-service.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { Clock } from '../shared/clock.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { Database } from '../storage/database.js';
import { readMetricEvents } from '../experiments/store/experiments.js';
import { readShopCurrency } from '../catalog/store/shop-currency.js';
import type { BrandService } from '../workspaces/brand.js';
import { CampaignService, type CampaignReferences } from './campaign-service.js';
import { ConfigCache } from './compile.js';
import { Interactions } from './interactions.js';
import type { ExperienceEvent } from './models/attribution.js';
import { OnsiteReports, type ExperienceScan } from './report.js';
import * as repo from './store/repository.js';
import { VisitorService } from './visitor.js';
import { VisitDays } from './visits.js';

export { OnsiteQueue } from './queue.js';

export interface OnsiteDeps {
  database: Database;
  clock: Clock;
  secrets: SecretBox;
  references: CampaignReferences;
  profiles: { lookupProfile(workspaceId: string, type: string, value: string): Promise<Profile | undefined> };
  segmentsOf: (workspaceId: string, profileId: string) => Promise<string[]>;
  brands: Pick<BrandService, 'get'>;
  coupons: Pick<CouponService, 'issue'>;
  ingest: Pick<IngestService, 'ingest'>;
  consent: Pick<ConsentService, 'record'>;
  preferences: Pick<PreferencesService, 'requestDoubleOptIn'>;
  journeys: Pick<JourneyService, 'enter'>;
  scheduler: Pick<Scheduler, 'enqueue' | 'register'>;
  logger?: { warn(object: object, message: string): void };
}

/** The on-site module: campaigns, the compiled configuration, visitor facts, reveals and submissions, reports. */
export interface Onsite {
  campaigns: CampaignService;
  configs: ConfigCache;
  visitors: VisitorService;
  interactions: Interactions;
  reports: OnsiteReports;
  privacy: PersonalDataHandler;
  /** Writes pending visit days; call at shutdown. */
  stop(): Promise<void>;
}

const PAGE = 5000;

/** The log's events of these names in time order (the experiments module's indexed reader). */
function logScan(database: Database): ExperienceScan {
  return async function* scan(workspaceId, events, from, to): AsyncIterable<ExperienceEvent> {
    let cursor: { timestamp: number; partition: number; seq: number } | null = null;
    for (;;) {
      const page = await readMetricEvents(database.db, workspaceId, events, from, to, cursor, PAGE);
      for (const row of page) {
        let properties: unknown;
        try {
          const message: unknown = JSON.parse(row.payload);
          properties = typeof message === 'object' && message !== null && Object.hasOwn(message, 'properties') ? Reflect.get(message, 'properties') : undefined;
        } catch {
          properties = undefined;
        }
        yield { event: row.event, anonymousId: row.anonymousId, userId: row.userId, timestamp: row.timestamp, properties };
      }
      const last = page.at(-1);
      if (page.length < PAGE || last === undefined) return;
      cursor = { timestamp: last.timestamp, partition: last.partition, seq: last.seq };
    }
  };
}

/** A value per workspace kept `ttlMs` (the shop currency is a catalog aggregation; the secret a decrypt). */
function cached<T>(clock: Clock, ttlMs: number, load: (workspaceId: string) => Promise<T>): { get: (workspaceId: string) => Promise<T>; drop: (workspaceId: string) => void } {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return {
    get(workspaceId) {
      const now = clock.now();
      const entry = entries.get(workspaceId);
      if (entry !== undefined && now - entry.at < ttlMs && now >= entry.at) return entry.value;
      const value = load(workspaceId);
      if (entries.size > 10_000) entries.clear();
      entries.set(workspaceId, { at: now, value });
      value.catch(() => entries.delete(workspaceId));
      return value;
    },
    drop: (workspaceId) => entries.delete(workspaceId),
  };
}

/**
 * Wires the on-site module (the composition root, the benchmark and tests run the same graph).
 * @example const onsite = createOnsite({ database, clock, secrets, references, profiles, ... });
 */
export function createOnsite(deps: OnsiteDeps): Onsite {
  const { database, clock } = deps;
  const campaigns = new CampaignService({ database, clock, secrets: deps.secrets, references: deps.references });
  const secrets = cached(clock, 10_000, (workspaceId) => campaigns.secret(workspaceId));
  const currencies = cached(clock, 60_000, async (workspaceId) => (await readShopCurrency(database.db, workspaceId)) ?? null);
  const configs = new ConfigCache({
    clock,
    campaigns,
    revision: (workspaceId) => repo.readRevision(database.db, workspaceId),
    brand: async (workspaceId) => {
      const brand = await deps.brands.get(workspaceId);
      return { primaryColor: brand.colors.primary, textColor: brand.colors.text, backgroundColor: brand.colors.background, ...(brand.logoUrl === null ? {} : { logoUrl: brand.logoUrl }) };
    },
  });
  campaigns.onChange((workspaceId) => {
    configs.invalidate(workspaceId);
    secrets.drop(workspaceId);
  });
  const visits = new VisitDays({ database, clock, ...(deps.logger === undefined ? {} : { onError: (error) => deps.logger?.warn({ err: error }, 'on-site visit days not written') }) });
  const visitors = new VisitorService({ database, clock, profiles: deps.profiles, segmentsOf: deps.segmentsOf, secret: secrets.get, currency: currencies.get, visits });
  const interactions = new Interactions({
    database,
    clock,
    campaigns,
    visitors,
    coupons: deps.coupons,
    ingest: deps.ingest,
    profiles: deps.profiles,
    consent: deps.consent,
    preferences: deps.preferences,
    journeys: deps.journeys,
    scheduler: deps.scheduler,
    logger: deps.logger,
  });
  const reports = new OnsiteReports({ clock, scan: logScan(database) });
  const anonymousIds = (identifiers: readonly { type: string; value: string }[]) => identifiers.filter((identifier) => identifier.type === 'anonymous_id').map((identifier) => identifier.value);
  const privacy: PersonalDataHandler = {
    name: 'onsite',
    erase: (trx, subject) => {
      const anonymous = anonymousIds(subject.identifiers);
      visits.forget(subject.workspaceId, [...subject.profileIds.map((id) => `p:${id}`), ...anonymous.map((id) => `a:${id}`)]);
      return repo.deletePersonalData(trx, subject.workspaceId, subject.profileIds, anonymous);
    },
    export: (db, subject) => repo.personalData(db, subject.workspaceId, subject.profileIds),
  };
  return { campaigns, configs, visitors, interactions, reports, privacy, stop: () => visits.flush() };
}

/** On-site campaigns as a module: the SDK's configuration, visitor facts, reveals, submissions and reports. */
export interface OnsiteModule extends Module {
  onsite: Onsite;
}

export type OnsiteModuleDeps = {
  ingest: IngestModule;
  profiles: ProfilesModule;
  segments: SegmentsModule;
  channels: ChannelsModule;
  templates: TemplatesModule;
  coupons: CouponsModule;
  journeys: JourneysModule;
  scheduler: SchedulerModule;
};

/**
 * Builds the on-site module over the modules it reads (segment memberships, coupons, consent,
 * journeys to enter after a capture). Journeys' `onsite` nodes write to its queue
 * (`OnsiteQueue`), which the composition root hands to the journeys module.
 * @example const onsite = onsiteModule(kernel, { ingest, profiles, segments, channels, templates, coupons, journeys, scheduler });
 */
export function onsiteModule(kernel: Kernel, deps: OnsiteModuleDeps): OnsiteModule {
  const { database, clock, logger } = kernel;
  const { messaging } = deps.channels;
  const segments = deps.segments.segments;
  const onsite = createOnsite({
    database,
    clock,
    secrets: deps.channels.secrets,
    references: {
      segmentExists: (workspaceId, id) => exists(() => segments.get(workspaceId, id)),
      poolExists: (workspaceId, id) => exists(() => deps.coupons.coupons.getPool(workspaceId, id)),
      journeyExists: async (workspaceId, id) => (await deps.journeys.service.get(workspaceId, id)) !== undefined,
      templateExists: (workspaceId, id) => exists(() => deps.templates.templates.get(workspaceId, id)),
    },
    profiles: deps.profiles.profiles,
    segmentsOf: (workspaceId, profileId) => segments.segmentIdsOf(workspaceId, profileId),
    brands: messaging.brands,
    coupons: deps.coupons.coupons,
    ingest: deps.ingest.ingest,
    consent: messaging.consent,
    preferences: messaging.preferences,
    journeys: deps.journeys.service,
    scheduler: deps.scheduler.scheduler,
    ...(logger === undefined ? {} : { logger }),
  });
  return { name: 'onsite', dependencies: dependsOn(deps), onsite, privacy: [onsite.privacy], stop: () => onsite.stop() };
}

/** Whether a lookup that throws `not_found` for a missing id finds it (in the caller's workspace). */
async function exists(lookup: () => Promise<unknown>): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (error) {
    if (error instanceof RapportError && error.code === 'not_found') return false;
    throw error;
  }
}
