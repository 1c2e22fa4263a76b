import { RapportError } from '../shared/errors.js';
import { walkCondition, type Condition } from './condition.js';
import { eventStatSpecs, type EventStatSpec } from './event-stats.js';
import { ownValue } from '../shared/own.js';

/*
 * Compiling segments for incremental evaluation: each condition becomes the list of stats it
 * reads and the index keys that say which events, traits and scores can change its value, so
 * an event touches only the segments it can affect. Pure.
 */

export interface SegmentDefinition {
  id: string;
  name: string;
  version: number;
  status: 'backfilling' | 'live' | 'failed';
  /** Profiles with an id <= this have been backfilled at this version (backfilling segments). */
  backfillCursor: string;
  condition: Condition;
}

export interface CompiledSegment extends SegmentDefinition {
  specs: Map<string, { spec: EventStatSpec; horizonMs: number }>;
  /** Event names whose occurrences feed its stats. */
  eventNames: Set<string>;
  /** Reads profile aggregates that most events change (computed, lifecycle, channel, device, traffic source). */
  anyEvent: boolean;
  /** Top-level trait keys (and `consent:<channel>`) it reads. */
  traitKeys: Set<string>;
  scoreKeys: Set<string>;
  /** Segments whose membership it reads. */
  dependsOn: Set<string>;
  /** Its value can change with time alone (sliding windows, days since, dates, lifecycle). */
  timeDependent: boolean;
  /** Reads the profile state (traits, aggregates); false when only events, scores and memberships. */
  needsState: boolean;
}

const traitReaders: Readonly<Record<string, string[]>> = {
  name: ['name', 'firstName', 'lastName'],
};

/**
 * @example const compiled = compileSegment({ id: 's1', name: 'Buyers', version: 1, status: 'live', backfillCursor: '', condition });
 */
export function compileSegment(definition: SegmentDefinition): CompiledSegment {
  const compiled: CompiledSegment = {
    ...definition,
    specs: eventStatSpecs(definition.condition),
    eventNames: new Set(),
    anyEvent: false,
    traitKeys: new Set(),
    scoreKeys: new Set(),
    dependsOn: new Set(),
    timeDependent: false,
    needsState: false,
  };
  for (const { spec } of compiled.specs.values()) compiled.eventNames.add(spec.event);
  walkCondition(definition.condition, (node) => {
    if (!['and', 'or', 'not', 'event', 'score', 'segment', 'random_bucket'].includes(node.type)) compiled.needsState = true;
    switch (node.type) {
      case 'trait': {
        const top = node.key.split('.')[0] ?? node.key;
        for (const key of ownValue(traitReaders, top) ?? [top]) compiled.traitKeys.add(key);
        if (['date_within_last', 'date_within_next', 'date_older_than', 'anniversary'].includes(node.op)) compiled.timeDependent = true;
        break;
      }
      case 'score':
        compiled.scoreKeys.add(node.key);
        if (['date_within_last', 'date_within_next', 'date_older_than', 'anniversary'].includes(node.op)) compiled.timeDependent = true;
        break;
      case 'event':
        if (node.window?.type === 'last' || node.window?.type === 'older_than') compiled.timeDependent = true;
        break;
      case 'computed':
        compiled.anyEvent = true;
        if (node.key.startsWith('daysSince')) compiled.timeDependent = true;
        break;
      case 'lifecycle':
        compiled.anyEvent = true;
        compiled.timeDependent = true;
        break;
      case 'preferred_channel':
      case 'device':
      case 'traffic_source':
        compiled.anyEvent = true;
        break;
      case 'reachable':
        compiled.traitKeys.add(node.channel === 'email' ? 'email' : node.channel === 'sms' ? 'phone' : `consent:push`);
        compiled.traitKeys.add(`consent:${node.channel}`);
        compiled.eventNames.add('Subscribed');
        compiled.eventNames.add('Unsubscribed');
        break;
      case 'location':
        for (const key of ['address', 'country', 'city']) compiled.traitKeys.add(key);
        break;
      case 'segment':
        compiled.dependsOn.add(node.segmentId);
        break;
      case 'random_bucket':
      case 'and':
      case 'or':
      case 'not':
        break;
    }
  });
  return compiled;
}

/**
 * The segments of one workspace, indexed for incremental evaluation and ordered so a segment
 * comes after every segment it reads.
 */
export class SegmentSet {
  /** Dependencies first. */
  readonly ordered: CompiledSegment[];
  readonly byId = new Map<string, CompiledSegment>();
  readonly byEvent = new Map<string, CompiledSegment[]>();
  readonly byTrait = new Map<string, CompiledSegment[]>();
  readonly byScore = new Map<string, CompiledSegment[]>();
  readonly anyEvent: CompiledSegment[] = [];
  /** Segments that read a segment's membership. */
  readonly dependents = new Map<string, CompiledSegment[]>();
  /** The longest sliding horizon each stat key needs, over every segment. */
  readonly horizons = new Map<string, number>();
  /** Stat specs by the event name they count. */
  readonly specsByEvent = new Map<string, { spec: EventStatSpec; horizonMs: number }[]>();

  constructor(segments: readonly CompiledSegment[]) {
    for (const segment of segments) this.byId.set(segment.id, segment);
    this.ordered = topologicalOrder(segments);
    this.ordered.forEach((segment, index) => this.#position.set(segment.id, index));
    const push = <K>(map: Map<K, CompiledSegment[]>, key: K, segment: CompiledSegment) => {
      const list = map.get(key);
      if (list === undefined) map.set(key, [segment]);
      else list.push(segment);
    };
    for (const segment of this.ordered) {
      for (const name of segment.eventNames) push(this.byEvent, name, segment);
      for (const key of segment.traitKeys) push(this.byTrait, key, segment);
      for (const key of segment.scoreKeys) push(this.byScore, key, segment);
      for (const id of segment.dependsOn) push(this.dependents, id, segment);
      if (segment.anyEvent) this.anyEvent.push(segment);
      for (const [key, { horizonMs }] of segment.specs) this.horizons.set(key, Math.max(this.horizons.get(key) ?? 0, horizonMs));
    }
    const seen = new Set<string>();
    for (const segment of this.ordered) {
      for (const [key, { spec }] of segment.specs) {
        if (seen.has(key)) continue;
        seen.add(key);
        const list = this.specsByEvent.get(spec.event) ?? [];
        list.push({ spec, horizonMs: this.horizons.get(key) ?? 0 });
        this.specsByEvent.set(spec.event, list);
      }
    }
  }

  /** The given segments plus every segment that reads them, transitively, in evaluation order. */
  closeOverDependents(ids: Iterable<string>): CompiledSegment[] {
    const wanted = new Set<string>();
    const stack = [...ids];
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      if (wanted.has(id)) continue;
      wanted.add(id);
      for (const dependent of this.dependents.get(id) ?? []) stack.push(dependent.id);
    }
    // Called for every profile of every batch: sort the few wanted ones rather than scan all.
    const result: CompiledSegment[] = [];
    for (const id of wanted) {
      const segment = this.byId.get(id);
      if (segment !== undefined) result.push(segment);
    }
    return result.sort((a, b) => (this.#position.get(a.id) ?? 0) - (this.#position.get(b.id) ?? 0));
  }

  readonly #position = new Map<string, number>();
}

/** Dependencies first; a cycle (which `findCycle` refuses at save time) is broken arbitrarily. */
function topologicalOrder(segments: readonly CompiledSegment[]): CompiledSegment[] {
  const byId = new Map(segments.map((segment) => [segment.id, segment]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: CompiledSegment[] = [];
  const visit = (segment: CompiledSegment) => {
    if (state.has(segment.id)) return;
    state.set(segment.id, 'visiting');
    for (const id of [...segment.dependsOn].sort()) {
      const dependency = byId.get(id);
      if (dependency !== undefined) visit(dependency);
    }
    state.set(segment.id, 'done');
    order.push(segment);
  };
  for (const segment of [...segments].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) visit(segment);
  return order;
}

/**
 * The cycle a segment would close by reading `references`, as a list of ids
 * (`['a', 'b', 'a']`), or undefined. `referencesOf` gives the segments each existing segment reads.
 * @example findCycle('a', ['b'], (id) => (id === 'b' ? ['a'] : [])) // ['a', 'b', 'a']
 */
export function findCycle(id: string, references: readonly string[], referencesOf: (id: string) => readonly string[]): string[] | undefined {
  const path: string[] = [id];
  const seen = new Set<string>();
  const search = (current: readonly string[]): string[] | undefined => {
    for (const next of current) {
      if (next === id) return [...path, id];
      if (seen.has(next)) continue;
      seen.add(next);
      path.push(next);
      const found = search(referencesOf(next));
      if (found !== undefined) return found;
      path.pop();
    }
    return undefined;
  };
  return search(references);
}

/** Throws the error an API client sees for a self-referencing definition. */
export function assertNoCycle(id: string, references: readonly string[], referencesOf: (id: string) => readonly string[]): void {
  const cycle = findCycle(id, references, referencesOf);
  if (cycle === undefined) return;
  const message = cycle.length === 2 ? `segment ${id} refers to itself` : `segment ${id} would refer to itself through ${cycle.join(' → ')}`;
  throw new RapportError('segment.cycle', message, [{ field: 'condition', rule: 'cycle', message }]);
}
