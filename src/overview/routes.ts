import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Messaging } from '../channels/index.js';
import type { EventLogService } from '../ingest/index.js';
import type { JourneyService } from '../journeys/index.js';
import type { Onsite } from '../onsite/index.js';
import type { ProfileService } from '../profiles/index.js';
import type { Scheduler } from '../scheduler/index.js';
import type { Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { liveStream } from '../app/live.js';
import { callerOf } from '../app/caller.js';

/*
 * The dashboard's home: what is running and what is failing in one workspace, as a list
 * (GET /overview/failing) and as live counts over server-sent events (GET /overview/live).
 */

export interface OverviewRouteDeps {
  eventLog: EventLogService;
  profiles: ProfileService;
  journeys: JourneyService;
  onsite: Onsite;
  messaging: Messaging;
  /** Dead jobs come from here; without it they count as none (apps built without the scheduler). */
  scheduler?: Pick<Scheduler, 'deadLetters' | 'counts' | 'retryDead'> | undefined;
  clock: Clock;
}

/** Failed sends are counted up to this many (the message log lists at most 500 at once). */
const FAILED_SENDS_CAP = 500;
const LIST = 20;

export const OverviewCounts = Type.Object(
  {
    eventsToday: Type.Integer({ description: 'Events received since midnight UTC' }),
    profiles: Type.Integer(),
    liveJourneys: Type.Integer({ description: 'Journeys whose status is active' }),
    liveCampaigns: Type.Integer({ description: 'On-site campaigns whose state is active' }),
    deadJobs: Type.Integer({ description: 'Jobs out of attempts, kept with their reason' }),
    failedSends: Type.Integer({ description: `Messages whose send failed (counted up to ${FAILED_SENDS_CAP})` }),
    rejectedEvents: Type.Integer({ description: 'Items set aside at ingest (GET /events/rejected lists them)' }),
  },
  { $id: 'OverviewCounts' },
);
export type OverviewCounts = Static<typeof OverviewCounts>;

const Failing = Type.Object({
  deadJobs: Type.Array(Type.Object({ key: Type.String(), kind: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), attempts: Type.Integer(), updatedAt: Type.String() })),
  failedSends: Type.Array(
    Type.Object({ id: Type.String(), profileId: Type.String(), channel: Type.String(), templateId: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String() }),
  ),
  rejectedEvents: Type.Array(Type.Object({ id: Type.String(), receivedAt: Type.String(), code: Type.String(), message: Type.String() })),
  counts: OverviewCounts,
});

function startOfUtcDay(ms: number): number {
  return ms - (ms % 86_400_000);
}

/** The counts the home screen shows, for one workspace. */
async function countsOf(deps: OverviewRouteDeps, workspaceId: string): Promise<OverviewCounts> {
  const [eventsToday, profiles, journeys, campaigns, jobs, failed, rejectedEvents] = await Promise.all([
    deps.eventLog.countSince(workspaceId, startOfUtcDay(deps.clock.now())),
    deps.profiles.count(workspaceId),
    deps.journeys.list(workspaceId),
    deps.onsite.campaigns.list(workspaceId),
    deps.scheduler?.counts(workspaceId) ?? Promise.resolve({ pending: 0, dead: 0 }),
    deps.messaging.channels.listMessages(workspaceId, { status: 'failed', limit: FAILED_SENDS_CAP }),
    deps.eventLog.rejectedCount(workspaceId),
  ]);
  return {
    eventsToday,
    profiles,
    liveJourneys: journeys.filter((journey) => journey.status === 'active').length,
    liveCampaigns: campaigns.filter((campaign) => campaign.state === 'active').length,
    deadJobs: jobs.dead,
    failedSends: failed.length,
    rejectedEvents,
  };
}

/** GET /overview/failing, POST /overview/failing/jobs/:key/retry and GET /overview/live. */
export async function overviewRoutes(scope: FastifyInstance, deps: OverviewRouteDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['overview'];

  app.get(
    '/overview/failing',
    { schema: { tags, summary: 'What is failing: dead jobs, failed sends and events set aside at ingest (the latest 20 of each), with the counts', response: { 200: Failing } } },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const [counts, dead, failed, rejected] = await Promise.all([
        countsOf(deps, workspaceId),
        deps.scheduler?.deadLetters(workspaceId, LIST) ?? Promise.resolve([]),
        deps.messaging.channels.listMessages(workspaceId, { status: 'failed', limit: LIST }),
        deps.eventLog.rejected(workspaceId, LIST),
      ]);
      return {
        counts,
        // The payload may name a person and is the job's business; the reason says what went wrong.
        deadJobs: dead.map((job) => ({ key: job.key, kind: job.kind, reason: job.deadReason ?? job.lastError, attempts: job.attempts, updatedAt: new Date(job.updatedAt).toISOString() })),
        failedSends: failed.map((message) => ({
          id: message.id,
          profileId: message.profileId,
          channel: message.channel,
          templateId: message.templateId,
          reason: message.reason,
          createdAt: message.createdAt,
        })),
        rejectedEvents: rejected.map((item) => ({ id: item.id, receivedAt: new Date(item.receivedAt).toISOString(), code: item.code, message: item.message })),
      };
    },
  );

  app.post(
    '/overview/failing/jobs/:key/retry',
    {
      schema: {
        tags,
        summary: 'Gives a dead job a fresh set of attempts, due now (the retry button of the failing list); 404 when no dead job has this key',
        params: Type.Object({ key: Type.String({ minLength: 1, maxLength: 500 }) }),
        response: { 200: Type.Object({ key: Type.String(), status: Type.Literal('pending') }) },
      },
    },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const { key } = request.params;
      if (deps.scheduler === undefined) throw new RapportError('not_found', `no dead job "${key}" in workspace "${workspaceId}"`);
      await deps.scheduler.retryDead(workspaceId, key);
      return { key, status: 'pending' as const };
    },
  );

  app.get(
    '/overview/live',
    {
      schema: {
        tags,
        summary: 'Server-sent events: the home counts (events today, profiles, live journeys and campaigns, failing items), sent again whenever they change',
        produces: ['text/event-stream'],
      },
    },
    (request, reply) => {
      const { workspaceId } = callerOf(request);
      return liveStream(request, reply, () => countsOf(deps, workspaceId), { everyMs: 3000 });
    },
  );
}
