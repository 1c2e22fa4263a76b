import type { FastifyInstance } from 'fastify';
import type { PersonalDataHandler } from '../privacy/index.js';
import type { ProcessorExtensionSpec } from '../processor/index.js';
import type { FollowerLag } from '../log/follower.js';
import type { HandlerOptions, JobHandler } from '../scheduler/index.js';

/** What a module's `start` may ask of the running system. */
export interface ModuleStartContext {
  /** false: no timers or background passes (CLI commands served in-process). */
  background: boolean;
  /** false when the processor is off: nothing follows the event log or runs chores. */
  processing: boolean;
  /** Every module, in start order: the collectors (scheduler, privacy, ingest, processor) read the others' contributions. */
  modules: readonly Module[];
}

/** Periodic work a module does per workspace (retention, digests, model refresh). */
export interface Chore {
  /** The job's kind, and its key in each workspace (one job per workspace). */
  kind: string;
  /** From the end of one run to the next. */
  everyMs: number;
  /** The work for one workspace. A throw is retried with backoff; out of attempts, the job is kept dead with the reason until retried. */
  run(workspaceId: string): Promise<void>;
  /** Default 5. */
  maxAttempts?: number;
  /** First retry delay, doubling per attempt; default 10 s. */
  backoffMs?: number;
}

/** A durable job kind a module handles; the scheduler module registers it before its loop starts. */
export interface ScheduledJob {
  kind: string;
  handler: JobHandler<unknown>;
  options?: HandlerOptions;
}

/** Something that reads the event log and wants to hear of every append (the ingest module wakes it). */
export interface LogFollower {
  name: string;
  wake(workspaceId: string): void;
  /** How far it trails the event log (GET /api/v1/processor lists it beside the processor). */
  lag?(): Promise<FollowerLag>;
}

/** A cheap, in-memory answer (no query): /healthz calls every module's check on each request. */
export type ModuleHealth = { ok: true } | { ok: false; reason: string };

/**
 * One domain module as the app runs it: its name, the modules it needs, and what it
 * contributes. The app starts modules in dependency order and stops them in reverse; the
 * collectors read the contributions (`jobs`, `privacy`, `followers`, `processorExtensions`, `routes`, `publicRoutes`),
 * so adding a module never means editing another one's wiring.
 * @example const module: Module = { name: 'coupons', dependencies: ['ingest'], start: () => coupons.start(), stop: () => coupons.stop() };
 */
export interface Module {
  readonly name: string;
  /** Names of the modules this one calls; they start before it and stop after it. */
  readonly dependencies: readonly string[];
  start?(context: ModuleStartContext): void | Promise<void>;
  stop?(): Promise<void>;
  /** Derived state committed inside the processor's batch transaction (inline and in the processor thread). */
  processorExtensions?: readonly ProcessorExtensionSpec[];
  followers?: readonly LogFollower[];
  jobs?: readonly ScheduledJob[];
  /** Periodic work per workspace (retention, digests, model refresh): durable jobs the scheduler module keeps one of in every workspace while events are processed. */
  chores?: readonly Chore[];
  /** Erase and export what the module holds about a person. */
  privacy?: readonly PersonalDataHandler[];
  health?(): ModuleHealth;
  /**
   * Its admin API under /api/v1, registered on the admin scope in start order (src/http mounts
   * every module's). Authentication, scopes, the audit log, the per-token rate limit and the
   * analysis limit are that scope's hooks and apply to every route before it runs; a handler
   * reads the caller with `callerOf(request)` (src/app/caller.ts) and takes its services from
   * the module itself.
   */
  routes?(scope: FastifyInstance): Promise<void>;
  /**
   * Its shop-facing routes at the server's root (tracking, storefront recommendations,
   * experiment assignment, signed links, on-site, sign-in): called by browsers and shop servers
   * with a workspace's write key, a signed token or nothing, never an admin credential. Each
   * module's are registered in a scope of their own, in start order, with none of the admin
   * scope's hooks: a route reads and checks its own credential (`writeKeyOf` and
   * `WorkspaceService.authenticateWriteKey` from workspaces) and sets its own rate limits.
   */
  publicRoutes?(scope: FastifyInstance): Promise<void>;
}

/**
 * The names of the modules a factory was given: a module declares as dependencies exactly
 * the modules it was built from, so the two cannot drift apart.
 * @example dependsOn({ ingest, catalog }) // ['ingest', 'catalog']
 */
export function dependsOn(modules: Readonly<Record<string, Pick<Module, 'name'>>>): string[] {
  return Object.values(modules).map((module) => module.name);
}
