import type { IngestService } from '../ingest/index.js';
import type { Clock } from '../shared/clock.js';
import { expectedUpdatedAt, staleEdit } from '../shared/expected-update.js';
import { RapportError } from '../shared/errors.js';
import { randomId, stableId } from '../shared/ids.js';
import type { Database } from '../storage/database.js';
import * as repo from './store/experiments.js';
import { analyseExperiment, viewResults, type ExperimentResults, type MetricResultView } from './analysis.js';
import { assignVariant, inHoldoutGroup, type AssignableExperiment, type Assignment, type ExperimentStatus } from './assign.js';
import { layersOverlap, parseExperiment, type ExperimentDefinition } from './definition.js';
import type { MetricSource } from './metric-source.js';
import { StateStoreMetricSource } from './state-store-metrics.js';
import { thompsonWeights } from './stats/bandit.js';
import { fnv1a32 } from './hash.js';
import { readShopCurrency } from '../catalog/index.js';

/** The event logged once per exposed unit (Segment's spec name for it). */
export const EXPOSURE_EVENT = 'Experiment Viewed';

export interface Experiment {
  id: string;
  key: string;
  name: string;
  status: ExperimentStatus;
  /** The promoted variant once the experiment is completed. */
  winner: string | null;
  definition: ExperimentDefinition;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  stoppedAt: string | null;
}

/** Who is asking for variants: Segment-style identifiers. */
export interface AssignmentUnit {
  userId?: string | undefined;
  anonymousId?: string | undefined;
}

export interface AssignRequest extends AssignmentUnit {
  /** Experiment keys; all running (and promoted) experiments when absent. */
  experiments?: readonly string[] | undefined;
  /** Record exposures (sticky assignment + one exposure event per unit); default true. */
  expose?: boolean | undefined;
  /** The write key the request came through, stamped on exposure events. */
  sourceId?: string | null | undefined;
}

/** Decides whether a unit's profile matches an experiment's targeting condition. */
export interface TargetingEvaluator {
  /** Validates a condition; throws a RapportError naming the bad node. */
  parse(condition: unknown): unknown;
  matches(workspaceId: string, unit: AssignmentUnit, condition: unknown, now: number): Promise<boolean>;
}

export interface ExperimentServiceDeps {
  database: Database;
  clock: Clock;
  ingest: Pick<IngestService, 'ingest'>;
  /** Defaults to the state-store scan; an analytics replica can replace it. */
  metrics?: MetricSource;
  targeting?: TargetingEvaluator;
}

export interface ExperimentResultsView extends Omit<ExperimentResults, 'metrics'> {
  /** Per metric and variant; each comparison shows the numbers of the experiment's method (see `viewResults`). */
  metrics: MetricResultView[];
  experimentId: string;
  status: ExperimentStatus;
  winner: string | null;
  computedAt: string;
  /** Set when this computation met the auto-promotion rule and promoted the variant. */
  promoted: string | null;
}

const CACHE_MS = 1000;
const statuses: readonly ExperimentStatus[] = ['draft', 'running', 'stopped', 'completed'];

/**
 * Experiments: definitions and their lifecycle, deterministic sticky assignment with exposure
 * logging, and results with auto-promotion.
 * @example const experiment = await experiments.create('default', input); await experiments.start('default', experiment.id);
 */
export class ExperimentService {
  private readonly metrics: MetricSource;
  private readonly live = new Map<string, { until: number; experiments: Array<{ id: string; assignable: AssignableExperiment; definition: ExperimentDefinition }> }>();

  constructor(private readonly deps: ExperimentServiceDeps) {
    this.metrics = deps.metrics ?? new StateStoreMetricSource(deps.database);
  }

  async create(workspaceId: string, input: unknown): Promise<Experiment> {
    const definition = this.parse(input);
    const now = this.deps.clock.now();
    if ((await repo.findExperiment(this.deps.database.db, workspaceId, definition.key)) !== undefined) {
      throw new RapportError('conflict', `an experiment with key "${definition.key}" exists; keys are the hash seed, so pick another`);
    }
    const record: repo.ExperimentRecord = {
      workspaceId,
      id: randomId('exp', 10),
      key: definition.key,
      name: definition.name,
      status: 'draft',
      definition: JSON.stringify(definition),
      winner: null,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      stoppedAt: null,
    };
    await repo.insertExperiment(this.deps.database.db, record);
    return toExperiment(record);
  }

  /**
   * Replaces the definition. The key (the hash seed) cannot change; while running, weights and
   * traffic may, and units already exposed keep their variant. With `expectedUpdatedAt` (the
   * updatedAt the editor read), an experiment saved by someone else since answers
   * `experiment.edit_conflict` instead of being overwritten.
   */
  async update(workspaceId: string, idOrKey: string, input: unknown, options: { expectedUpdatedAt?: string } = {}): Promise<Experiment> {
    const expected = expectedUpdatedAt(options.expectedUpdatedAt, 'the experiment', false) ?? undefined;
    const record = await this.record(workspaceId, idOrKey);
    const definition = this.parse(input);
    if (definition.key !== record.key) throw new RapportError('experiment.key_immutable', `the key cannot change (it seeds the assignment hash): keep "${record.key}"`);
    if (record.status === 'running') await this.checkConflicts(workspaceId, record.id, definition);
    const updated = { ...record, name: definition.name, definition: JSON.stringify(definition), updatedAt: this.deps.clock.now() };
    // A compare-and-set on the row: of two saves made from one read, the second finds it moved.
    if (!(await repo.updateExperiment(this.deps.database.db, updated, expected))) {
      throw new RapportError('experiment.edit_conflict', ...staleEdit(`experiment "${record.key}"`, (await this.record(workspaceId, idOrKey)).updatedAt));
    }
    this.live.delete(workspaceId);
    return toExperiment(updated);
  }

  async get(workspaceId: string, idOrKey: string): Promise<Experiment> {
    return toExperiment(await this.record(workspaceId, idOrKey));
  }

  async list(workspaceId: string, status?: ExperimentStatus): Promise<Experiment[]> {
    const records = await repo.listExperiments(this.deps.database.db, workspaceId, status === undefined ? undefined : [status]);
    return records.map(toExperiment);
  }

  /** Starts (or restarts) an experiment after checking its layer and holdout against running ones. */
  async start(workspaceId: string, idOrKey: string): Promise<Experiment> {
    const record = await this.record(workspaceId, idOrKey);
    if (record.status === 'running') return toExperiment(record);
    if (record.status === 'completed') throw new RapportError('conflict', `experiment "${record.key}" is completed (winner ${record.winner ?? 'none'}); create a new one to test again`);
    await this.checkConflicts(workspaceId, record.id, definitionOf(record));
    const now = this.deps.clock.now();
    const updated = { ...record, status: 'running', startedAt: record.startedAt ?? now, stoppedAt: null, updatedAt: now };
    await repo.updateExperiment(this.deps.database.db, updated);
    this.live.delete(workspaceId);
    return toExperiment(updated);
  }

  /** Stops assigning: every unit gets the control, outside the experiment; results stay readable. */
  async stop(workspaceId: string, idOrKey: string): Promise<Experiment> {
    const record = await this.record(workspaceId, idOrKey);
    const now = this.deps.clock.now();
    const updated = { ...record, status: record.status === 'completed' ? 'completed' : 'stopped', stoppedAt: now, updatedAt: now };
    await repo.updateExperiment(this.deps.database.db, updated);
    this.live.delete(workspaceId);
    return toExperiment(updated);
  }

  /** Completes the experiment with `variant` as the winner: every unit then gets it. */
  async promote(workspaceId: string, idOrKey: string, variant: string): Promise<Experiment> {
    const record = await this.record(workspaceId, idOrKey);
    const definition = definitionOf(record);
    if (!definition.variants.some((entry) => entry.key === variant)) {
      throw new RapportError('experiment.unknown_variant', `unknown variant "${variant}"; it must be one of ${definition.variants.map((entry) => `"${entry.key}"`).join(', ')}`);
    }
    const now = this.deps.clock.now();
    const updated = { ...record, status: 'completed', winner: variant, stoppedAt: now, updatedAt: now };
    await repo.updateExperiment(this.deps.database.db, updated);
    this.live.delete(workspaceId);
    return toExperiment(updated);
  }

  /**
   * Variants for one unit in every requested experiment. A unit's first exposure is stored
   * (so later weight changes do not move it) and logged once as an `Experiment Viewed` event.
   * @example await experiments.assign('default', { anonymousId: 'a-1' }); // [{ experiment: 'hello-bar', variant: 'treatment', ... }]
   */
  async assign(workspaceId: string, request: AssignRequest): Promise<Assignment[]> {
    const now = this.deps.clock.now();
    const live = await this.liveExperiments(workspaceId, now);
    let wanted = live;
    if (request.experiments !== undefined) {
      const keys = new Set(request.experiments);
      wanted = live.filter((entry) => keys.has(entry.assignable.key));
      const unknown = [...keys].filter((key) => !live.some((entry) => entry.assignable.key === key));
      if (unknown.length > 0) throw new RapportError('not_found', `no running experiment has key ${unknown.map((key) => `"${key}"`).join(', ')}`);
    }
    const holdout = live.find((entry) => entry.definition.kind === 'holdout' && entry.assignable.status === 'running');
    const involved = holdout !== undefined && !wanted.includes(holdout) ? [...wanted, holdout] : wanted;
    const unitOf = (definition: ExperimentDefinition) => (definition.unit === 'userId' ? request.userId : request.anonymousId);
    const stored = new Map<string, repo.ExposureRow>();
    for (const unitId of new Set(involved.map((entry) => unitOf(entry.definition)).filter((id): id is string => id !== undefined && id !== ''))) {
      const ids = involved.filter((entry) => unitOf(entry.definition) === unitId).map((entry) => entry.id);
      for (const [id, row] of await repo.findExposures(this.deps.database.db, workspaceId, unitId, ids)) stored.set(id, row);
    }
    const holdoutUnit = holdout === undefined ? undefined : unitOf(holdout.definition);
    const heldOut = holdout !== undefined && holdoutUnit !== undefined && holdoutUnit !== '' && inHoldoutGroup(holdout.assignable, holdoutUnit, stored.get(holdout.id)?.variant);
    const assignments: Array<{ entry: (typeof involved)[number]; unitId: string; assignment: Assignment }> = [];
    const results: Assignment[] = [];
    for (const entry of involved) {
      const unitId = unitOf(entry.definition);
      if (unitId === undefined || unitId === '') {
        if (wanted.includes(entry)) {
          results.push({ experiment: entry.assignable.key, variant: entry.assignable.variants[0]?.key ?? '', inExperiment: false, reason: 'no_unit', bucket: 0 });
        }
        continue;
      }
      const targeted = await this.targeted(workspaceId, entry.definition, request, now);
      const assignment = assignVariant(entry.assignable, unitId, { sticky: stored.get(entry.id)?.variant, targeted, inHoldout: heldOut });
      assignments.push({ entry, unitId, assignment });
      if (wanted.includes(entry)) results.push(assignment);
    }
    if (request.expose !== false) {
      const fresh = assignments.filter(({ assignment }) => assignment.inExperiment && assignment.reason === 'assigned');
      if (fresh.length > 0) await this.logExposures(workspaceId, request, fresh, now);
    }
    return results;
  }

  /**
   * Results of an experiment; when it is running and its auto-promotion rule is met, the winner
   * is promoted in the same call.
   */
  /** Results in the experiment's own method; `methods: 'all'` adds the other methods' numbers, which did not make the verdict. */
  async results(workspaceId: string, idOrKey: string, options: { methods?: 'configured' | 'all' } = {}): Promise<ExperimentResultsView> {
    const record = await this.record(workspaceId, idOrKey);
    const definition = definitionOf(record);
    const now = this.deps.clock.now();
    const aggregates = await this.metrics.aggregate({ workspaceId, experimentId: record.id, definition, now });
    const results = analyseExperiment({ definition, units: aggregates.units, metrics: aggregates.metrics });
    let promoted: string | null = null;
    let status = parseStatus(record.status);
    let winner = record.winner;
    if (status === 'running' && results.promote !== null && definition.kind === 'ab') {
      const updated = await this.promote(workspaceId, record.id, results.promote);
      promoted = results.promote;
      status = updated.status;
      winner = updated.winner;
    }
    const currency = (await readShopCurrency(this.deps.database.db, workspaceId)) ?? 'USD';
    return { ...viewResults(definition, results, options.methods ?? 'configured', currency), experimentId: record.id, status, winner, computedAt: new Date(now).toISOString(), promoted };
  }

  /**
   * Thompson-sampling bandit: sets the weights of a running `allocation: "thompson"` experiment
   * to each variant's posterior probability of being best on the primary conversion metric
   * (every variant keeps at least 5%). Exposed units keep their variant; new units follow.
   * @example const { weights } = await experiments.rebalance('default', 'popup');
   */
  async rebalance(workspaceId: string, idOrKey: string): Promise<{ experiment: Experiment; weights: number[] }> {
    const record = await this.record(workspaceId, idOrKey);
    const definition = definitionOf(record);
    if (definition.allocation !== 'thompson') throw new RapportError('experiment.not_bandit', `experiment "${record.key}" has fixed allocation; set allocation "thompson" to run it as a bandit`);
    if (record.status !== 'running') throw new RapportError('conflict', `experiment "${record.key}" is ${record.status}; only a running bandit is rebalanced`);
    const now = this.deps.clock.now();
    const aggregates = await this.metrics.aggregate({ workspaceId, experimentId: record.id, definition, now });
    const arms = (aggregates.metrics.get(definition.primaryMetric) ?? []).map((entry) => ({
      n: entry.aggregate.n,
      conversions: entry.aggregate.kind === 'ratio' ? entry.aggregate.numeratorSum : entry.aggregate.sum,
    }));
    // Seeded by experiment and total units: the same data gives the same weights.
    const total = arms.reduce((sum, arm) => sum + arm.n, 0);
    const raw = thompsonWeights(arms, { seed: fnv1a32(`${record.key}:${total}`), minWeight: 0.05 });
    // Four decimals (the hash's resolution), the rounding remainder on the largest weight.
    const weights = raw.map((weight) => Math.round(weight * 10000) / 10000);
    const largest = weights.indexOf(Math.max(...weights));
    weights[largest] = Math.round((1 - weights.reduce((sum, weight, index) => (index === largest ? sum : sum + weight), 0)) * 10000) / 10000;
    const next = { ...definition, variants: definition.variants.map((variant, index) => ({ ...variant, weight: weights[index] ?? 0 })) };
    const updated = { ...record, definition: JSON.stringify(next), updatedAt: now };
    await repo.updateExperiment(this.deps.database.db, updated);
    this.live.delete(workspaceId);
    return { experiment: toExperiment(updated), weights };
  }

  /** Results of every running experiment (auto-promoting those whose rule is met). */
  async evaluateRunning(workspaceId: string): Promise<ExperimentResultsView[]> {
    const running = await repo.listExperiments(this.deps.database.db, workspaceId, ['running']);
    const results: ExperimentResultsView[] = [];
    for (const record of running) results.push(await this.results(workspaceId, record.id));
    return results;
  }

  private parse(input: unknown): ExperimentDefinition {
    const targeting = this.deps.targeting;
    return parseExperiment(input, targeting === undefined ? undefined : (condition) => targeting.parse(condition));
  }

  private async targeted(workspaceId: string, definition: ExperimentDefinition, unit: AssignmentUnit, now: number): Promise<boolean> {
    if (definition.targeting === undefined) return true;
    // Without an evaluator a targeted experiment shows to no one rather than to everyone.
    if (this.deps.targeting === undefined) return false;
    return this.deps.targeting.matches(workspaceId, unit, definition.targeting, now);
  }

  private async logExposures(
    workspaceId: string,
    request: AssignRequest,
    fresh: Array<{ entry: { id: string; definition: ExperimentDefinition }; unitId: string; assignment: Assignment }>,
    now: number,
  ): Promise<void> {
    const inserted = await repo.insertExposures(
      this.deps.database.db,
      workspaceId,
      fresh.map(({ entry, unitId, assignment }) => ({ experimentId: entry.id, unitId, variant: assignment.variant, exposedAt: now })),
    );
    if (inserted.length === 0) return;
    const byId = new Map(fresh.map((item) => [item.entry.id, item]));
    const items = inserted.flatMap((row) => {
      const item = byId.get(row.experimentId);
      if (item === undefined) return [];
      const variant = item.entry.definition.variants.find((entry) => entry.key === row.variant);
      return [
        {
          type: 'track',
          event: EXPOSURE_EVENT,
          // Deterministic: a retried exposure dedupes on messageId, so it is logged once per unit.
          messageId: stableId('exp', workspaceId, row.experimentId, row.unitId),
          ...(request.userId !== undefined && request.userId !== '' ? { userId: request.userId } : {}),
          ...(request.anonymousId !== undefined && request.anonymousId !== '' ? { anonymousId: request.anonymousId } : {}),
          timestamp: new Date(row.exposedAt).toISOString(),
          properties: {
            experiment_id: item.entry.definition.key,
            experiment_name: item.entry.definition.name,
            variation_id: row.variant,
            variation_name: variant?.name ?? row.variant,
          },
        },
      ];
    });
    await this.deps.ingest.ingest({ workspaceId, sourceId: request.sourceId ?? null, receivedAt: now }, { items });
  }

  private async checkConflicts(workspaceId: string, id: string, definition: ExperimentDefinition): Promise<void> {
    const running = (await repo.listExperiments(this.deps.database.db, workspaceId, ['running'])).filter((record) => record.id !== id);
    for (const other of running) {
      const otherDefinition = definitionOf(other);
      if (definition.kind === 'holdout' && otherDefinition.kind === 'holdout') {
        throw new RapportError('conflict', `holdout "${other.key}" is already running; a workspace has one global holdout at a time`);
      }
      if (definition.layer !== undefined && otherDefinition.layer !== undefined && layersOverlap(definition.layer, otherDefinition.layer)) {
        const { name, start, end } = otherDefinition.layer;
        throw new RapportError('conflict', `experiment "${other.key}" already runs in layer "${name}" on [${start}, ${end}); mutually exclusive experiments need disjoint slices, e.g. [${end}, 1)`);
      }
    }
  }

  private async liveExperiments(workspaceId: string, now: number) {
    const cached = this.live.get(workspaceId);
    if (cached !== undefined && cached.until > now) return cached.experiments;
    const records = await repo.listExperiments(this.deps.database.db, workspaceId, ['running', 'completed']);
    const experiments = records
      .filter((record) => record.status === 'running' || record.winner !== null)
      .map((record) => {
        const definition = definitionOf(record);
        const assignable: AssignableExperiment = {
          key: record.key,
          status: parseStatus(record.status),
          kind: definition.kind,
          variants: definition.variants,
          traffic: definition.traffic,
          layer: definition.layer,
          winner: record.winner,
        };
        return { id: record.id, assignable, definition };
      });
    this.live.set(workspaceId, { until: now + CACHE_MS, experiments });
    return experiments;
  }

  private async record(workspaceId: string, idOrKey: string): Promise<repo.ExperimentRecord> {
    const record = await repo.findExperiment(this.deps.database.db, workspaceId, idOrKey);
    if (record === undefined) throw new RapportError('not_found', `no experiment "${idOrKey}" (by id or key)`);
    return record;
  }
}

function definitionOf(record: repo.ExperimentRecord): ExperimentDefinition {
  // Stored definitions were validated on write; parsing again fills defaults added since.
  return parseExperiment(JSON.parse(record.definition));
}

function parseStatus(value: string): ExperimentStatus {
  const status = statuses.find((candidate) => candidate === value);
  if (status === undefined) throw new Error(`stored experiment has unknown status "${value}"`);
  return status;
}

function toExperiment(record: repo.ExperimentRecord): Experiment {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: record.id,
    key: record.key,
    name: record.name,
    status: parseStatus(record.status),
    winner: record.winner,
    definition: definitionOf(record),
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    startedAt: iso(record.startedAt),
    stoppedAt: iso(record.stoppedAt),
  };
}
