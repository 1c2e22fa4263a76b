import type { JsonObject } from '../ingest/index.js';
import type { Job, Scheduler } from '../scheduler/index.js';
import { parseCondition } from '../segments/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Database, Tx } from '../storage/database.js';
import * as activity from './store/journeys-activity.js';
import * as repo from './store/journeys.js';
import { listProfileIds, loadProfiles, currentTraits } from '../profiles/index.js';
import { durationToMs, type Duration, type JourneyDefinition } from './definition.js';
import type { Entrant, JourneyEngine } from './engine.js';
import { holds, loadJourneyProfiles } from './journey-profile.js';
import { localParts, nextAnniversary, zoneOr } from './local-time.js';
import { ownValue } from '../shared/own.js';

/*
 * Entry triggers that are not one event: date traits (a timer per customer at the next
 * occurrence, in their zone), schedules (one-off or recurring broadcasts to an audience), and
 * catalog events fanned out to the customers interested in the product. Each is a scheduler
 * job, so it survives restarts and runs once.
 */

export const FANOUT_JOB = 'journey.fanout';
export const DATE_JOB = 'journey.date';
export const DATE_SCAN_JOB = 'journey.date-scan';
export const SCHEDULE_JOB = 'journey.schedule';
export const AUDIENCE_JOB = 'journey.audience';

const PAGE = 500;
const DAY = 86_400_000;

interface FanoutPayload {
  journeyId: string;
  productId: string;
  messageId: string;
  event: string;
  properties: JsonObject;
  at: number;
  after: string;
}

interface DatePayload {
  journeyId: string;
  profileId: string;
}

interface ScanPayload {
  journeyId: string;
  after: string;
}

interface SchedulePayload {
  journeyId: string;
}

interface AudiencePayload {
  journeyId: string;
  occurrence: number;
  after: string;
}

/** The date a date trigger reads for a profile. */
function dateValue(definition: JourneyDefinition, traits: Record<string, unknown>, state: { firstSeen: number | null; firstOrderAt: number | null }): unknown {
  const { trigger } = definition;
  if (trigger.type !== 'date') return undefined;
  if (trigger.source === 'trait') return trigger.trait === undefined ? undefined : ownValue(traits, trigger.trait);
  const time = trigger.source === 'first_seen' ? state.firstSeen : state.firstOrderAt;
  return time === null ? undefined : new Date(time).toISOString();
}

/**
 * Sets (or moves) one customer's timer for a date trigger to the next occurrence of their date
 * at the trigger's local time, in their zone.
 * @example await scheduleDateTimer(trx, scheduler, 'default', journeyId, definition, profileId, '1990-03-15', 'Europe/Paris', Date.now());
 */
export async function scheduleDateTimer(
  trx: Tx,
  scheduler: Scheduler,
  workspaceId: string,
  journeyId: string,
  definition: JourneyDefinition,
  profileId: string,
  value: unknown,
  timeZone: unknown,
  now: number,
): Promise<boolean> {
  const { trigger } = definition;
  if (trigger.type !== 'date' || typeof value !== 'string') return false;
  const zone = zoneOr(timeZone, zoneOr(definition.settings?.timeZone, 'UTC'));
  const due = nextAnniversary(now, value, trigger.offsetDays ?? 0, trigger.at ?? '09:00', zone);
  if (due === undefined) return false;
  await scheduler.schedule(
    { workspaceId, kind: DATE_JOB, key: `journey-date:${journeyId}:${profileId}`, payload: { journeyId, profileId }, dueAt: due, priority: definition.settings?.priority ?? 50 },
    trx,
  );
  return true;
}

/**
 * The job handlers behind date, schedule and catalog triggers, and what activating or
 * stopping a journey does to its timers.
 * @example const triggers = new JourneyTriggers({ database, scheduler, engine }); triggers.register();
 */
export class JourneyTriggers {
  private readonly clock: Clock;

  constructor(private readonly deps: { database: Database; scheduler: Scheduler; engine: JourneyEngine; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  register(): void {
    const { scheduler } = this.deps;
    scheduler.register<FanoutPayload>(FANOUT_JOB, (job) => this.fanout(job));
    scheduler.register<DatePayload>(DATE_JOB, (job) => this.dateFired(job));
    scheduler.register<ScanPayload>(DATE_SCAN_JOB, (job) => this.dateScan(job));
    scheduler.register<SchedulePayload>(SCHEDULE_JOB, (job) => this.scheduleFired(job));
    scheduler.register<AudiencePayload>(AUDIENCE_JOB, (job) => this.audience(job));
  }

  /** Sets up the timers a journey's trigger needs when it becomes active. */
  async activate(trx: Tx, workspaceId: string, journeyId: string, definition: JourneyDefinition): Promise<void> {
    const { trigger } = definition;
    const now = this.clock.now();
    if (trigger.type === 'date') {
      await this.deps.scheduler.schedule({ workspaceId, kind: DATE_SCAN_JOB, key: `journey-date-scan:${journeyId}`, payload: { journeyId, after: '' }, dueAt: now }, trx);
    }
    if (trigger.type === 'schedule') {
      // A one-off broadcast whose time has passed goes out now.
      const first = nextOccurrence(trigger, now) ?? (trigger.every === undefined ? now : undefined);
      if (first !== undefined) await this.deps.scheduler.schedule({ workspaceId, kind: SCHEDULE_JOB, key: `journey-schedule:${journeyId}`, payload: { journeyId }, dueAt: first }, trx);
    }
  }

  /** Removes a journey's trigger timers (runs keep their own jobs). */
  async deactivate(trx: Tx, workspaceId: string, journeyId: string): Promise<void> {
    for (const prefix of [`journey-date:${journeyId}:`, `journey-date-scan:${journeyId}`, `journey-schedule:${journeyId}`, `journey-audience:${journeyId}:`, `journey-fanout:${journeyId}:`]) {
      await this.deps.scheduler.cancelPrefix(workspaceId, prefix, trx);
    }
  }

  private async live(db: Tx, workspaceId: string, journeyId: string): Promise<{ definition: JourneyDefinition } | undefined> {
    const journey = await repo.findJourney(db, workspaceId, journeyId);
    if (journey === undefined || journey.status !== 'active') return undefined;
    const definition = await this.deps.engine.definition(db, workspaceId, journeyId, journey.version);
    return definition === undefined ? undefined : { definition };
  }

  private async fanout(job: Job<FanoutPayload>): Promise<void | { rescheduleAt: number; payload: FanoutPayload }> {
    const { payload } = job;
    return this.deps.database.transaction(async (trx) => {
      const live = await this.live(trx, job.workspaceId, payload.journeyId);
      if (live === undefined || live.definition.trigger.type !== 'catalog') return undefined;
      const { trigger } = live.definition;
      const since = payload.at - (trigger.withinDays ?? 30) * DAY;
      const ids = await activity.interestedProfiles(trx, job.workspaceId, payload.productId, trigger.interest, since, payload.after, PAGE);
      const entrants: Entrant[] = ids.map((profileId) => ({
        profileId,
        entryKey: payload.messageId,
        trigger: { kind: 'catalog', event: payload.event, messageId: payload.messageId, properties: payload.properties, at: payload.at },
      }));
      await this.deps.engine.enter(job.workspaceId, payload.journeyId, entrants, trx);
      const last = ids.at(-1);
      return ids.length === PAGE && last !== undefined ? { rescheduleAt: this.clock.now(), payload: { ...payload, after: last } } : undefined;
    });
  }

  private async dateFired(job: Job<DatePayload>): Promise<void> {
    const { journeyId, profileId } = job.payload;
    await this.deps.database.transaction(async (trx) => {
      const live = await this.live(trx, job.workspaceId, journeyId);
      if (live === undefined) return;
      const [profile] = await loadProfiles(trx, job.workspaceId, [profileId]);
      if (profile === undefined) return;
      const traits = currentTraits(profile.state);
      const zone = zoneOr(traits.timezone, zoneOr(live.definition.settings?.timeZone, 'UTC'));
      const local = localParts(job.dueAt, zone);
      const occurrence = `${local.year}-${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')}`;
      await this.deps.engine.enter(
        job.workspaceId,
        journeyId,
        [{ profileId, entryKey: occurrence, trigger: { kind: 'date', properties: { date: dateValue(live.definition, traits, profile.state) ?? null, occurrence }, at: job.dueAt } }],
        trx,
      );
      // Next year's timer (a minute on, so this occurrence is not picked again).
      await scheduleDateTimer(trx, this.deps.scheduler, job.workspaceId, journeyId, live.definition, profileId, dateValue(live.definition, traits, profile.state), traits.timezone, job.dueAt + 60_000);
    });
  }

  /** Walks every profile once a day and sets the timers of dates coming up in the next two days. */
  private async dateScan(job: Job<ScanPayload>): Promise<{ rescheduleAt: number; payload: ScanPayload } | void> {
    const { journeyId, after } = job.payload;
    return this.deps.database.transaction(async (trx) => {
      const live = await this.live(trx, job.workspaceId, journeyId);
      if (live === undefined) return undefined;
      const now = this.clock.now();
      const ids = await listProfileIds(trx, job.workspaceId, after === '' ? undefined : after, PAGE);
      const profiles = await loadProfiles(trx, job.workspaceId, ids);
      for (const profile of profiles) {
        const traits = currentTraits(profile.state);
        const value = dateValue(live.definition, traits, profile.state);
        if (typeof value !== 'string') continue;
        const zone = zoneOr(traits.timezone, zoneOr(live.definition.settings?.timeZone, 'UTC'));
        const trigger = live.definition.trigger;
        if (trigger.type !== 'date') continue;
        const due = nextAnniversary(now, value, trigger.offsetDays ?? 0, trigger.at ?? '09:00', zone);
        if (due !== undefined && due - now <= 2 * DAY) await scheduleDateTimer(trx, this.deps.scheduler, job.workspaceId, journeyId, live.definition, profile.id, value, traits.timezone, now);
      }
      const last = ids.at(-1);
      if (ids.length === PAGE && last !== undefined) return { rescheduleAt: now, payload: { journeyId, after: last } };
      return { rescheduleAt: now + DAY, payload: { journeyId, after: '' } };
    });
  }

  private async scheduleFired(job: Job<SchedulePayload>): Promise<void | { rescheduleAt: number }> {
    const { journeyId } = job.payload;
    return this.deps.database.transaction(async (trx) => {
      const live = await this.live(trx, job.workspaceId, journeyId);
      if (live === undefined || live.definition.trigger.type !== 'schedule') return undefined;
      await this.deps.scheduler.enqueue(
        { workspaceId: job.workspaceId, kind: AUDIENCE_JOB, key: `journey-audience:${journeyId}:${job.dueAt}`, payload: { journeyId, occurrence: job.dueAt, after: '' } },
        trx,
      );
      // Occurrences missed while the server was down collapse into this one run.
      const next = nextOccurrence(live.definition.trigger, Math.max(job.dueAt, this.clock.now()) + 1);
      return next === undefined ? undefined : { rescheduleAt: next };
    });
  }

  /** Enters one page of the audience of a scheduled broadcast; continues with the next page. */
  private async audience(job: Job<AudiencePayload>): Promise<void | { rescheduleAt: number; payload: AudiencePayload }> {
    const { journeyId, occurrence, after } = job.payload;
    return this.deps.database.transaction(async (trx) => {
      const live = await this.live(trx, job.workspaceId, journeyId);
      if (live === undefined || live.definition.trigger.type !== 'schedule') return undefined;
      const now = this.clock.now();
      const ids = await listProfileIds(trx, job.workspaceId, after === '' ? undefined : after, PAGE);
      let chosen = ids;
      const { audience } = live.definition.trigger;
      if (audience !== undefined) {
        const condition = parseCondition(audience);
        const profiles = await loadJourneyProfiles(trx, job.workspaceId, ids, { conditions: [condition], now });
        chosen = ids.filter((id) => {
          const profile = profiles.get(id);
          return profile !== undefined && holds(condition, profile, now);
        });
      }
      const key = new Date(occurrence).toISOString();
      await this.deps.engine.enter(
        job.workspaceId,
        journeyId,
        chosen.map((profileId) => ({ profileId, entryKey: key, trigger: { kind: 'schedule', properties: { occurrence: key }, at: occurrence } })),
        trx,
      );
      const last = ids.at(-1);
      return ids.length === PAGE && last !== undefined ? { rescheduleAt: now, payload: { journeyId, occurrence, after: last } } : undefined;
    });
  }
}

/**
 * The first occurrence of a schedule at or after `from`; undefined when it has ended.
 * @example nextOccurrence({ at: '2026-01-01T10:00:00Z', every: { amount: 1, unit: 'days' } }, Date.UTC(2026, 0, 3)) === Date.UTC(2026, 0, 3, 10)
 */
export function nextOccurrence(trigger: { at: string; every?: Duration | undefined; until?: string | undefined }, from: number): number | undefined {
  const first = Date.parse(trigger.at);
  if (!Number.isFinite(first)) return undefined;
  const until = trigger.until === undefined ? Number.POSITIVE_INFINITY : Date.parse(trigger.until);
  let at = first;
  if (at < from) {
    if (trigger.every === undefined) return undefined;
    const step = durationToMs(trigger.every);
    at = first + Math.ceil((from - first) / step) * step;
  }
  return at <= until ? at : undefined;
}
