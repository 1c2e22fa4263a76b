import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import type { BatchExtension, ProcessorLogger } from './processor.js';

/** What an extension is built from, in whichever thread runs the processor. */
export interface ProcessorHost {
  database: Database;
  clock: Clock;
  logger: ProcessorLogger | undefined;
}

/** A running extension: what it commits with each batch, and the timers it owns (segments' due-time re-checks). */
export interface ProcessorExtensionPart {
  extension: BatchExtension;
  start(): void;
  stop(): Promise<void>;
}

/**
 * A module's contribution to the processor. `module` names the module and the file the
 * processor thread loads it from (`src/<module>/processor-extension.ts`, export
 * `processorExtension`), so the inline processor and the thread build the same list: the
 * modules' declarations.
 */
export interface ProcessorExtensionSpec {
  module: string;
  create(host: ProcessorHost): ProcessorExtensionPart;
}

export function isProcessorExtensionSpec(value: unknown): value is ProcessorExtensionSpec {
  return typeof value === 'object' && value !== null && 'module' in value && typeof value.module === 'string' && 'create' in value && typeof value.create === 'function';
}

/**
 * Loads the extensions the host declared, by module name, inside the processor thread.
 * @example const specs = await loadProcessorExtensions(['segments']);
 */
export async function loadProcessorExtensions(modules: readonly string[]): Promise<ProcessorExtensionSpec[]> {
  const specs: ProcessorExtensionSpec[] = [];
  for (const name of modules) {
    // Names come from the host's module list, never from input: a fixed folder per module.
    if (!/^[a-z][a-z-]*$/.test(name)) throw new Error(`processor extension module name "${name}" is not a module folder`);
    const loaded: unknown = await import(new URL(`../${name}/processor-extension.js`, import.meta.url).href).catch((error: unknown) => {
      throw new Error(`module ${name} has no src/${name}/processor-extension.ts to load: ${error instanceof Error ? error.message : String(error)}`);
    });
    const spec = typeof loaded === 'object' && loaded !== null && 'processorExtension' in loaded ? loaded.processorExtension : undefined;
    if (!isProcessorExtensionSpec(spec) || spec.module !== name) throw new Error(`src/${name}/processor-extension.ts does not export the processorExtension of module ${name}`);
    specs.push(spec);
  }
  return specs;
}
