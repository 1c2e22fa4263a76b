import type { CouponService } from '../coupons/index.js';
import type { IngestService } from '../ingest/index.js';
import type { JourneyService } from '../journeys/index.js';
import type { ConsentService, PreferencesService, PersonalDataHandler } from '../privacy/index.js';
import type { ProfileService } from '../profiles/index.js';
import type { Scheduler } from '../scheduler/index.js';
import type { Clock } from '../shared/clock.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { Database } from '../storage/database.js';
import { readMetricEvents } from '../experiments/index.js';
import { readShopCurrency } from '../catalog/index.js';
import type { BrandService } from '../workspaces/index.js';
import { CampaignService, type CampaignReferences } from './campaign-service.js';
import { ConfigCache } from './compile.js';
import { Interactions } from './interactions.js';
import type { ExperienceEvent } from './models/attribution.js';
import { OnsiteReports, type ExperienceScan } from './report.js';
import * as repo from './store/repository.js';
import { VisitorService, type CachedProfile } from './visitor.js';
import { VisitorCache } from './visitor-cache.js';
import { VisitDays } from './visits.js';

export { OnsiteQueue } from './queue.js';

export interface OnsiteDeps {
  database: Database;
  clock: Clock;
  secrets: SecretBox;
  references: CampaignReferences;
  profiles: Pick<ProfileService, 'lookupProfile' | 'versionOf' | 'getProfile'>;
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

/**
 * The visitor endpoint's per-profile cache: 10,000 profiles or 16 MB, whichever comes first, each
 * used at most 10 s. Every processor write of the profile retires it at once; the 10 s bound what
 * changes without one: job scores, memberships expiring with time, a message a journey queued,
 * a conversion another replica recorded (this process forgets the profile when it records one).
 */
const VISITOR_CACHE = { maxEntries: 10_000, maxBytes: 16 * 1024 * 1024, ttlMs: 10_000 };

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
  const visitorCache = new VisitorCache<CachedProfile>(clock, VISITOR_CACHE);
  const visitors = new VisitorService({ database, clock, profiles: deps.profiles, segmentsOf: deps.segmentsOf, secret: secrets.get, currency: currencies.get, visits, cache: visitorCache });
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
      visitorCache.drop(subject.workspaceId, subject.profileIds);
      visitors.forgetIdentifiers(subject.workspaceId, subject.identifiers);
      visits.forget(subject.workspaceId, [...subject.profileIds.map((id) => `p:${id}`), ...anonymous.map((id) => `a:${id}`)]);
      return repo.deletePersonalData(trx, subject.workspaceId, subject.profileIds, anonymous);
    },
    export: (db, subject) => repo.personalData(db, subject.workspaceId, subject.profileIds),
  };
  return { campaigns, configs, visitors, interactions, reports, privacy, stop: () => visits.flush() };
}
