import type { Module, ModuleStartContext } from './module.js';

/** Why a module list cannot run: a bug in the wiring, reported at start-up rather than half-way through. */
export class ModuleGraphError extends Error {
  override readonly name = 'ModuleGraphError';
}

/** Depth-first walk from a module still waiting, to name the cycle it sits on (`a -> b -> a`). */
function findCycle(waiting: ReadonlyMap<string, Module>): string[] {
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (name: string): string[] | undefined => {
    if (onPath.has(name)) return [...path.slice(path.indexOf(name)), name];
    const module = waiting.get(name);
    if (module === undefined) return undefined;
    path.push(name);
    onPath.add(name);
    for (const dependency of module.dependencies) {
      const cycle = visit(dependency);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    onPath.delete(name);
    return undefined;
  };
  for (const name of waiting.keys()) {
    const cycle = visit(name);
    if (cycle !== undefined) return cycle;
  }
  return [...waiting.keys()];
}

function checkNames(modules: readonly Module[]): Map<string, Module> {
  const byName = new Map<string, Module>();
  for (const module of modules) {
    if (byName.has(module.name)) throw new ModuleGraphError(`two modules are named "${module.name}"`);
    byName.set(module.name, module);
  }
  for (const module of modules) {
    for (const dependency of module.dependencies) {
      if (!byName.has(dependency)) throw new ModuleGraphError(`module "${module.name}" depends on "${dependency}", which is not in the module list`);
    }
  }
  return byName;
}

/**
 * Orders modules so that each comes after every module it depends on (Kahn's algorithm; among
 * modules that are ready at once, the list's own order is kept, so the result is stable).
 * Throws a `ModuleGraphError` naming the cycle, an unknown dependency or a duplicate name.
 * @example orderModules([{ name: 'b', dependencies: ['a'] }, { name: 'a', dependencies: [] }]).map((m) => m.name) // ['a', 'b']
 */
export function orderModules<M extends Module>(modules: readonly M[]): M[] {
  checkNames(modules);
  const waiting = new Map<string, M>(modules.map((module) => [module.name, module]));
  const placed = new Set<string>();
  const ordered: M[] = [];
  while (waiting.size > 0) {
    const ready = [...waiting.values()].find((module) => module.dependencies.every((dependency) => placed.has(dependency)));
    if (ready === undefined) throw new ModuleGraphError(`module dependency cycle: ${findCycle(waiting).join(' -> ')}`);
    waiting.delete(ready.name);
    placed.add(ready.name);
    ordered.push(ready);
  }
  return ordered;
}

/**
 * Stops modules in the reverse of the order given (dependents before what they depend on).
 * Every module is asked to stop even when one fails; the first failure is thrown afterwards.
 * `stopped` hears how long each module took (the server logs the slow ones at shutdown).
 */
export async function stopModules(started: readonly Module[], stopped?: (name: string, ms: number) => void): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const module of [...started].reverse()) {
    const since = performance.now();
    try {
      await module.stop?.();
      stopped?.(module.name, performance.now() - since);
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== undefined) throw failure.error;
}

/**
 * Starts modules in the order given (see `orderModules`). When one fails to start, those
 * already started are stopped in reverse and the error is thrown: nothing is left running.
 * @returns the modules, in start order, for `stopModules`
 */
export async function startModules(ordered: readonly Module[], context: Omit<ModuleStartContext, 'modules'>): Promise<readonly Module[]> {
  const started: Module[] = [];
  for (const module of ordered) {
    try {
      await module.start?.({ ...context, modules: ordered });
    } catch (error) {
      await stopModules(started).catch(() => undefined);
      throw error;
    }
    started.push(module);
  }
  return started;
}
