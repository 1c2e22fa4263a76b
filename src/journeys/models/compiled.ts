import { parseCondition, type Condition } from '../../segments/index.js';
import type { JourneyDefinition, JourneyNode } from '../definition.js';

/**
 * A journey version ready to run: nodes by id and every condition parsed, once per version
 * (versions are immutable), instead of on every hop of every run.
 */
export interface CompiledJourney {
  definition: JourneyDefinition;
  nodes: ReadonlyMap<string, JourneyNode>;
  /** The condition of each `condition` node, by node id. */
  conditions: ReadonlyMap<string, Condition>;
  /** The conditions of each `split` node's branches, in branch order, by node id. */
  branches: ReadonlyMap<string, readonly Condition[]>;
  /** Every condition of the journey: what profiles must load (event stats, memberships) to evaluate them. */
  allConditions: readonly Condition[];
}

/**
 * Compiles a (validated) definition.
 * @example const compiled = compileJourney(definition); compiled.nodes.get(definition.start)
 */
export function compileJourney(definition: JourneyDefinition): CompiledJourney {
  const nodes = new Map<string, JourneyNode>();
  const conditions = new Map<string, Condition>();
  const branches = new Map<string, Condition[]>();
  const allConditions: Condition[] = [];
  for (const node of definition.nodes) {
    nodes.set(node.id, node);
    if (node.type === 'condition') {
      const condition = parseCondition(node.condition);
      conditions.set(node.id, condition);
      allConditions.push(condition);
    } else if (node.type === 'split') {
      const parsed = node.branches.map((branch) => parseCondition(branch.condition));
      branches.set(node.id, parsed);
      allConditions.push(...parsed);
    }
  }
  return { definition, nodes, conditions, branches, allConditions };
}
