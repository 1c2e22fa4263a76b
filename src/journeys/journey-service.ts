import { OutboundGuard } from '../channels/index.js';
import type { SecretBox } from '../shared/secret-box.js';
import { maskWebhookNodes, sealWebhookNodes } from './webhook-secrets.js';
import { normalizeIdentifier, defaultIdentityRules, findIdentityOwner, type IdentityRules } from '../identity/index.js';
import type { JsonObject } from '../ingest/index.js';
import type { Scheduler } from '../scheduler/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { RapportError } from '../shared/errors.js';
import { randomId } from '../shared/ids.js';
import type { Database } from '../storage/database.js';
import { loadProfiles } from '../profiles/index.js';
import { readShopCurrency } from '../catalog/index.js';
import { existingTemplateIds } from '../templates/index.js';
import { sumMoney } from '../shared/money.js';
import * as activity from './store/journeys-activity.js';
import * as repo from './store/journeys.js';
import { graphIssues, parseDefinition, type JourneyDefinition, type TemplateCheck } from './definition.js';
import { RUN_JOB, runJobKey, type JourneyEngine } from './engine.js';
import type { DryRunStep } from './models/dry-run.js';
import type { JourneyTriggers } from './triggers.js';
import { prepareRecipe, type InstallRecipeOptions, type InstalledSupply, type RecipeSupplies } from './recipe-installer.js';
import { parseWorkspaceSettings, type JourneyWorkspaceSettings } from './workspace-settings.js';

export interface Journey {
  id: string;
  name: string;
  status: repo.StoredJourney['status'];
  version: number;
  definition: JourneyDefinition;
  createdAt: string;
  updatedAt: string;
}

export interface JourneyReport {
  journeyId: string;
  version: number;
  status: string;
  entered: number;
  inProgress: number;
  completed: number;
  exited: Record<string, number>;
  sent: number;
  conversionWindowDays: number;
  conversions: { goal: { runs: number; revenue: number }; order: { runs: number; conversions: number; revenue: number } };
  nodes: { nodeId: string; type: string; reached: number; inProgress: number; sends: Record<string, number> }[];
  /** A/B arms with their exposures and outcomes (what the experiments module reads). */
  arms: { nodeId: string; arm: string; entered: number; conversions: number; revenue: number }[];
  /** The shop's currency (ISO 4217) the revenue is in. */
  currency: string;
}

export interface JourneyServiceDeps {
  database: Database;
  scheduler: Scheduler;
  engine: JourneyEngine;
  triggers: JourneyTriggers;
  clock?: Clock;
  /** Which template ids are missing; default: look them up in the channels module's templates table. */
  templates?: TemplateCheck;
  identityRules?: (workspaceId: string) => IdentityRules;
  /** Called after a journey changes, so the event consumer re-reads its triggers. */
  onChange?: () => void;
  /** Templates and coupon pools recipes install when journeys really send; absent when they only record. */
  recipeSupplies?: RecipeSupplies;
  /** Refuses webhook nodes aimed at private targets when a definition is saved; default no operator allow list. */
  guard?: OutboundGuard;
  /** Seals webhook node headers at rest; the engine opens them with the same box to send. */
  secrets: SecretBox;
}

/** Each webhook node's URL must be one the outbound path could call (checked again at send). */
function assertWebhookTargets(definition: JourneyDefinition, guard: OutboundGuard): void {
  definition.nodes.forEach((node, index) => {
    if (node.type === 'webhook') guard.assertStorable(node.url, `nodes[${index}].url`);
  });
}

/**
 * Journeys as the API and CLI see them: versioned definitions with validation, the lifecycle
 * (draft → active ⇄ paused → archived), entering customers by API, reports and dry runs.
 * @example const journey = await journeys.create('default', recipe.abandonedCart()); await journeys.activate('default', journey.id);
 */
export class JourneyService {
  private readonly clock: Clock;
  private readonly templates: TemplateCheck;
  private readonly guard: OutboundGuard;

  constructor(private readonly deps: JourneyServiceDeps) {
    this.clock = deps.clock ?? systemClock;
    this.guard = deps.guard ?? new OutboundGuard();
    this.templates =
      deps.templates ??
      (async (workspaceId, ids) => {
        const found = await existingTemplateIds(deps.database.db, workspaceId, ids);
        return ids.filter((id) => !found.has(id));
      });
  }

  /** Validates and stores a new journey (a draft, version 1). */
  async create(workspaceId: string, input: unknown, options: { id?: string } = {}): Promise<Journey> {
    const definition = sealWebhookNodes(await this.parse(workspaceId, input), this.deps.secrets, workspaceId);
    const now = this.clock.now();
    const id = options.id ?? randomId('jny', 9);
    if ((await repo.findJourney(this.deps.database.db, workspaceId, id)) !== undefined) throw new RapportError('conflict', `journey "${id}" already exists`);
    await this.deps.database.transaction((trx) =>
      repo.insertJourney(trx, workspaceId, { id, name: definition.name, status: 'draft', version: 1, createdAt: now, updatedAt: now }, JSON.stringify(definition)),
    );
    return this.mustGet(workspaceId, id);
  }

  /**
   * Creates a journey from a ready recipe. When journeys really send, the templates (from the
   * starters) and coupon pools it needs are created first unless the workspace has them, so
   * the journey can send at once; `templates` / `coupons` overrides name existing ones instead.
   * @example const { journey, templates } = await journeys.installRecipe('default', 'abandoned-cart', { activate: true });
   */
  async installRecipe(
    workspaceId: string,
    name: string,
    options: InstallRecipeOptions & { activate?: boolean } = {},
  ): Promise<{ journey: Journey; templates: InstalledSupply[]; coupons: InstalledSupply[] }> {
    const { activate, ...rest } = options;
    const prepared = await prepareRecipe(workspaceId, name, rest, this.deps.recipeSupplies);
    let journey = await this.create(workspaceId, prepared.definition);
    if (activate === true) journey = await this.activate(workspaceId, journey.id);
    return { journey, templates: prepared.templates, coupons: prepared.coupons };
  }

  /**
   * Stores a new version. Customers already on their way finish the version they started,
   * unless `migrate` moves them (see `migrateRuns`).
   */
  async update(workspaceId: string, id: string, input: unknown, options: { expectedVersion?: number } = {}): Promise<Journey> {
    const parsed = await this.parse(workspaceId, input);
    const journey = await this.stored(workspaceId, id);
    if (journey.status === 'archived') throw new RapportError('conflict', `journey "${id}" is archived; create a new one`);
    const expected = options.expectedVersion;
    const assertExpected = (current: number): void => {
      if (expected !== undefined && current !== expected)
        throw new RapportError(
          'journey.version_conflict',
          `journey "${id}" is at version ${current}, not ${expected}: someone saved it meanwhile; load version ${current} and apply your change again`,
          [{ field: 'if-match', rule: 'version', message: `the journey is at version ${current}` }],
        );
    };
    assertExpected(journey.version);
    // Header values sent back masked keep the stored version's.
    const definition = sealWebhookNodes(parsed, this.deps.secrets, workspaceId, await this.definitionOf(workspaceId, journey));
    const now = this.clock.now();
    const version = journey.version + 1;
    await this.deps.database.transaction(async (trx) => {
      // Checked again inside the transaction: another save may have landed since the read above.
      assertExpected((await repo.findJourney(trx, workspaceId, id))?.version ?? journey.version);
      await repo.insertVersion(trx, workspaceId, id, version, JSON.stringify(definition), now);
      await repo.updateJourney(trx, workspaceId, id, { name: definition.name, version, updatedAt: now });
      if (journey.status === 'active') {
        await this.deps.triggers.deactivate(trx, workspaceId, id);
        await this.deps.triggers.activate(trx, workspaceId, id, definition);
      }
    });
    this.deps.onChange?.();
    return this.mustGet(workspaceId, id);
  }

  /** Validates a definition without storing it; returns the issues (empty when valid). */
  async validate(workspaceId: string, input: unknown): Promise<{ valid: boolean; issues: { field: string; rule: string; message: string }[] }> {
    try {
      await this.parse(workspaceId, input);
      return { valid: true, issues: [] };
    } catch (error) {
      if (error instanceof RapportError) return { valid: false, issues: error.issues.length > 0 ? error.issues : [{ field: '(root)', rule: 'schema', message: error.message }] };
      throw error;
    }
  }

  private async parse(workspaceId: string, input: unknown): Promise<JourneyDefinition> {
    const definition = await parseDefinition(input, workspaceId, this.templates);
    assertWebhookTargets(definition, this.guard);
    return definition;
  }

  async get(workspaceId: string, id: string, version?: number): Promise<Journey | undefined> {
    const journey = await repo.findJourney(this.deps.database.db, workspaceId, id);
    if (journey === undefined) return undefined;
    const definition = await this.deps.engine.definition(this.deps.database.db, workspaceId, id, version ?? journey.version);
    if (definition === undefined) return undefined;
    return {
      id,
      name: journey.name,
      status: journey.status,
      version: version ?? journey.version,
      definition: maskWebhookNodes(definition),
      createdAt: new Date(journey.createdAt).toISOString(),
      updatedAt: new Date(journey.updatedAt).toISOString(),
    };
  }

  /** Per journey: its status, version and how many customers entered and are in it now (the live list). */
  async counts(workspaceId: string): Promise<{ id: string; status: string; version: number; entered: number; inProgress: number }[]> {
    const journeys = await repo.listJourneys(this.deps.database.db, workspaceId);
    return Promise.all(
      journeys.map(async (journey) => {
        const counts = await activity.runCounts(this.deps.database.db, workspaceId, journey.id);
        const byStatus = counts.byStatus;
        const entered = Object.values(byStatus).reduce((total, n) => total + n, 0);
        const inProgress = (byStatus.active ?? 0) + (byStatus.waiting ?? 0) + (byStatus.paused ?? 0);
        return { id: journey.id, status: journey.status, version: journey.version, entered, inProgress };
      }),
    );
  }

  async list(workspaceId: string): Promise<Journey[]> {
    const journeys = await repo.listJourneys(this.deps.database.db, workspaceId);
    const result: Journey[] = [];
    for (const journey of journeys) {
      const full = await this.get(workspaceId, journey.id);
      if (full !== undefined) result.push(full);
    }
    return result;
  }

  /** Starts accepting entries (and sets up date or schedule timers). */
  async activate(workspaceId: string, id: string): Promise<Journey> {
    const journey = await this.stored(workspaceId, id);
    if (journey.status === 'archived') throw new RapportError('conflict', `journey "${id}" is archived and cannot run again`);
    if (journey.status === 'paused') return this.resume(workspaceId, id);
    if (journey.status === 'active') return this.mustGet(workspaceId, id);
    const definition = await this.definitionOf(workspaceId, journey);
    const issues = graphIssues(definition);
    if (issues.length > 0) throw new RapportError('journey.cannot_start', `journey "${id}" cannot start: ${issues[0]?.message ?? ''}`, issues);
    await this.deps.database.transaction(async (trx) => {
      await repo.updateJourney(trx, workspaceId, id, { status: 'active', updatedAt: this.clock.now() });
      await this.deps.triggers.activate(trx, workspaceId, id, definition);
    });
    this.deps.onChange?.();
    return this.mustGet(workspaceId, id);
  }

  /** Stops entries and holds every customer where they are; `resume` picks them up again. */
  async pause(workspaceId: string, id: string): Promise<Journey> {
    const journey = await this.stored(workspaceId, id);
    if (journey.status !== 'active') throw new RapportError('conflict', `journey "${id}" is ${journey.status}; only an active journey can be paused`);
    await this.deps.database.transaction(async (trx) => {
      await repo.updateJourney(trx, workspaceId, id, { status: 'paused', updatedAt: this.clock.now() });
      await this.deps.triggers.deactivate(trx, workspaceId, id);
    });
    this.deps.onChange?.();
    return this.mustGet(workspaceId, id);
  }

  /** Resumes a paused journey: held customers continue (waits that ended meanwhile fire now). */
  async resume(workspaceId: string, id: string): Promise<Journey> {
    const journey = await this.stored(workspaceId, id);
    if (journey.status !== 'paused') throw new RapportError('conflict', `journey "${id}" is ${journey.status}; only a paused journey can be resumed`);
    const definition = await this.definitionOf(workspaceId, journey);
    const now = this.clock.now();
    await this.deps.database.transaction(async (trx) => {
      await repo.updateJourney(trx, workspaceId, id, { status: 'active', updatedAt: now });
      await this.deps.triggers.activate(trx, workspaceId, id, definition);
      let after = '';
      for (;;) {
        const runs = await repo.runsOfJourney(trx, workspaceId, id, ['paused', 'active', 'waiting'], after, 1000);
        if (runs.length === 0) break;
        const jobs = [];
        for (const run of runs) {
          if (run.status === 'paused') {
            run.status = run.wakeAt === null ? 'active' : 'waiting';
            run.updatedAt = now;
            await repo.saveRun(trx, workspaceId, run);
          }
          jobs.push({ workspaceId, kind: RUN_JOB, key: runJobKey(run.id), payload: { runId: run.id }, dueAt: Math.max(now, run.wakeAt ?? now), priority: definition.settings?.priority ?? 50 });
        }
        await this.deps.scheduler.schedule(jobs, trx);
        after = runs.at(-1)?.id ?? after;
      }
    });
    this.deps.onChange?.();
    return this.mustGet(workspaceId, id);
  }

  /** Ends a journey for good: every customer still in it exits (reason `archived`). */
  async archive(workspaceId: string, id: string): Promise<Journey> {
    await this.stored(workspaceId, id);
    const now = this.clock.now();
    await this.deps.database.transaction(async (trx) => {
      await repo.updateJourney(trx, workspaceId, id, { status: 'archived', updatedAt: now });
      await this.deps.triggers.deactivate(trx, workspaceId, id);
      for (;;) {
        const runs = await repo.runsOfJourney(trx, workspaceId, id, ['active', 'waiting', 'paused'], '', 1000);
        if (runs.length === 0) break;
        for (const run of runs) {
          run.status = 'exited';
          run.exitReason = 'archived';
          run.exitedAt = now;
          run.wakeAt = null;
          run.updatedAt = now;
          await repo.saveRun(trx, workspaceId, run);
          await this.deps.scheduler.cancel(workspaceId, runJobKey(run.id), trx);
        }
      }
    });
    this.deps.onChange?.();
    return this.mustGet(workspaceId, id);
  }

  /**
   * Moves customers who are on an older version to the current one, explicitly. Only those
   * standing on a node that still exists move; the rest finish their version. Returns how many moved.
   */
  async migrateRuns(workspaceId: string, id: string, fromVersion: number): Promise<{ moved: number; toVersion: number }> {
    const journey = await this.stored(workspaceId, id);
    if (fromVersion >= journey.version) throw new RapportError('journey.version_invalid', `fromVersion must be older than the current version ${journey.version}`);
    const definition = await this.definitionOf(workspaceId, journey);
    const moved = await this.deps.database.transaction((trx) =>
      repo.moveRunsToVersion(
        trx,
        workspaceId,
        id,
        fromVersion,
        journey.version,
        definition.nodes.map((node) => node.id),
        this.clock.now(),
      ),
    );
    return { moved, toVersion: journey.version };
  }

  /**
   * Enters one customer through the API (journeys with an `api` trigger, or any active journey
   * for a test). The customer is named by profile id or by an identifier such as user_id or email.
   */
  async enter(
    workspaceId: string,
    id: string,
    input: { profileId?: string; identifier?: { type: string; value: string }; entryKey?: string; properties?: JsonObject },
  ): Promise<{ runIds: string[]; profileId: string }> {
    const journey = await this.stored(workspaceId, id);
    if (journey.status !== 'active') throw new RapportError('conflict', `journey "${id}" is ${journey.status}; activate it first`);
    let profileId = input.profileId;
    if (profileId === undefined && input.identifier !== undefined) {
      const rules = (this.deps.identityRules ?? (() => defaultIdentityRules))(workspaceId);
      const identifier = normalizeIdentifier(rules, input.identifier.type, input.identifier.value);
      if (identifier === undefined) throw new RapportError('journey.identifier_invalid', `"${input.identifier.value}" is not a valid ${input.identifier.type}`);
      profileId = await findIdentityOwner(this.deps.database.db, workspaceId, identifier);
      if (profileId === undefined) throw new RapportError('not_found', `no profile has ${input.identifier.type} "${input.identifier.value}"`);
    }
    if (profileId === undefined)
      throw new RapportError('journey.customer_missing', 'name the customer: profileId, or identifier {type, value}', [
        { field: 'body.profileId', rule: 'required', message: 'give profileId or identifier' },
      ]);
    else if (input.profileId !== undefined) {
      // A run for a profile that does not exist would wait and send to nobody; a merged id enters its survivor.
      const [profile] = await loadProfiles(this.deps.database.db, workspaceId, [profileId]);
      if (profile === undefined) throw new RapportError('not_found', `no profile "${profileId}"; look profiles up with GET /api/v1/profiles or enter by identifier {type, value}`);
      profileId = profile.mergedInto ?? profile.id;
    }
    const runIds = await this.deps.engine.enter(workspaceId, id, [
      { profileId, ...(input.entryKey === undefined ? {} : { entryKey: input.entryKey }), trigger: { kind: 'api', properties: input.properties ?? {}, at: this.clock.now() } },
    ]);
    return { runIds, profileId };
  }

  /** Counts per journey and per node; conversions within `windowDays` of entry (default: the journey's window). */
  async report(workspaceId: string, id: string, options: { windowDays?: number } = {}): Promise<JourneyReport> {
    const journey = await this.stored(workspaceId, id);
    const definition = await this.definitionOf(workspaceId, journey);
    const db = this.deps.database.db;
    const windowDays = options.windowDays ?? definition.settings?.conversionWindowDays ?? 7;
    const [counts, nodes, sends, credited, measured, atNodes] = await Promise.all([
      activity.runCounts(db, workspaceId, id),
      activity.nodeCounts(db, workspaceId, id),
      activity.sendCounts(db, workspaceId, id),
      // The journey is credited only for conversions after one of its messages went out...
      activity.conversionTotals(db, workspaceId, id, windowDays * 86_400_000, { delivered: true }),
      // ...while arms compare every entrant (a holdout arm gets no message by design).
      activity.conversionTotals(db, workspaceId, id, windowDays * 86_400_000),
      activity.runsAtNodes(db, workspaceId, id),
    ]);
    const sum = (record: Record<string, number>): number => Object.values(record).reduce((total, n) => total + n, 0);
    const exited: Record<string, number> = {};
    for (const [reason, n] of Object.entries(counts.byExitReason)) if (reason !== 'completed') exited[reason] = n;
    const goal = credited.filter((row) => row.kind === 'goal');
    const order = credited.filter((row) => row.kind === 'order');
    const nodeRows = definition.nodes.map((node) => {
      const nodeSends: Record<string, number> = {};
      for (const row of sends) if (row.nodeId === node.id) nodeSends[row.status] = (nodeSends[row.status] ?? 0) + row.n;
      return {
        nodeId: node.id,
        type: node.type,
        reached: nodes.filter((row) => row.nodeId === node.id).reduce((total, row) => total + row.reached, 0),
        inProgress: atNodes.find((row) => row.nodeId === node.id)?.n ?? 0,
        sends: nodeSends,
      };
    });
    // Money is added in minor units of the shop's currency and leaves rounded to its digits.
    const currency = (await readShopCurrency(db, workspaceId)) ?? 'USD';
    const arms = Object.entries(counts.byArm).map(([key, entered]) => {
      const [nodeId = '', arm = ''] = key.split(':');
      const rows = measured.filter((row) => row.kind === 'order' && row.arm === key);
      return {
        nodeId,
        arm,
        entered,
        conversions: rows.reduce((total, row) => total + row.runs, 0),
        revenue: sumMoney(
          rows.map((row) => row.revenue),
          currency,
        ),
      };
    });
    return {
      journeyId: id,
      version: journey.version,
      status: journey.status,
      entered: sum(counts.byStatus),
      inProgress: (counts.byStatus.active ?? 0) + (counts.byStatus.waiting ?? 0) + (counts.byStatus.paused ?? 0),
      completed: counts.byStatus.completed ?? 0,
      exited,
      sent: sends.filter((row) => row.status === 'sent' || row.status === 'queued').reduce((total, row) => total + row.n, 0),
      conversionWindowDays: windowDays,
      conversions: {
        goal: {
          runs: goal.reduce((total, row) => total + row.runs, 0),
          revenue: sumMoney(
            goal.map((row) => row.revenue),
            currency,
          ),
        },
        order: {
          runs: order.reduce((total, row) => total + row.runs, 0),
          conversions: order.reduce((total, row) => total + row.conversions, 0),
          revenue: sumMoney(
            order.map((row) => row.revenue),
            currency,
          ),
        },
      },
      nodes: nodeRows,
      arms,
      currency,
    };
  }

  async dryRun(workspaceId: string, id: string, profileId: string, options: { assumeEvents?: string[]; trigger?: JsonObject } = {}): Promise<DryRunStep[]> {
    return this.deps.engine.dryRun(workspaceId, id, profileId, options);
  }

  /** A run with its steps (for support: "what happened to this customer"). */
  async runs(workspaceId: string, id: string, options: { status?: repo.RunStatus[]; limit?: number } = {}): Promise<repo.StoredRun[]> {
    await this.stored(workspaceId, id);
    return repo.runsOfJourney(this.deps.database.db, workspaceId, id, options.status ?? ['active', 'waiting', 'paused', 'completed', 'exited'], '', options.limit ?? 100);
  }

  /**
   * The journeys a profile is in now (active, waiting or paused), each with its journey: one read
   * of the runs' profile index, however many journeys the workspace has.
   */
  async profileRuns(workspaceId: string, profileId: string): Promise<(repo.StoredRun & { journeyName: string })[]> {
    const { db } = this.deps.database;
    const [profile] = await loadProfiles(db, workspaceId, [profileId]);
    if (profile === undefined) throw new RapportError('not_found', `profile ${profileId} does not exist in this workspace`);
    const runs = await repo.liveRunsOfProfiles(db, workspaceId, [profileId]);
    const ids = [...new Set(runs.map((run) => run.journeyId))];
    const found = await Promise.all(ids.map((id) => repo.findJourney(db, workspaceId, id)));
    const journeys = new Map(found.flatMap((journey) => (journey === undefined ? [] : [[journey.id, journey.name] as const])));
    return runs.sort((a, b) => b.enteredAt - a.enteredAt).map((run) => ({ ...run, journeyName: journeys.get(run.journeyId) ?? run.journeyId }));
  }

  async steps(workspaceId: string, runId: string): Promise<repo.StepRecord[]> {
    return repo.stepsOfRun(this.deps.database.db, workspaceId, runId);
  }

  async settings(workspaceId: string): Promise<JourneyWorkspaceSettings> {
    const text = await activity.readJourneySettings(this.deps.database.db, workspaceId);
    return text === undefined ? {} : parseWorkspaceSettings(JSON.parse(text));
  }

  async updateSettings(workspaceId: string, input: unknown): Promise<JourneyWorkspaceSettings> {
    const settings = parseWorkspaceSettings(input);
    await activity.writeJourneySettings(this.deps.database.db, workspaceId, JSON.stringify(settings), this.clock.now());
    return settings;
  }

  private async stored(workspaceId: string, id: string): Promise<repo.StoredJourney> {
    const journey = await repo.findJourney(this.deps.database.db, workspaceId, id);
    if (journey === undefined) throw new RapportError('not_found', `no journey "${id}" in this workspace`);
    return journey;
  }

  private async definitionOf(workspaceId: string, journey: repo.StoredJourney): Promise<JourneyDefinition> {
    const definition = await this.deps.engine.definition(this.deps.database.db, workspaceId, journey.id, journey.version);
    if (definition === undefined) throw new Error(`journey ${journey.id} has no version ${journey.version}`);
    return definition;
  }

  private async mustGet(workspaceId: string, id: string): Promise<Journey> {
    const journey = await this.get(workspaceId, id);
    if (journey === undefined) throw new RapportError('not_found', `no journey "${id}" in this workspace`);
    return journey;
  }
}
