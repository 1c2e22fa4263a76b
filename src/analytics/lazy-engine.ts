import { RapportError } from '../shared/errors.js';
import type { AnalyticsEngine } from './engine.js';

/**
 * An engine opened on first use. A DuckDB file admits one process at a time, so CLI commands
 * that never ask an analytics question must not take it from the running server.
 * @example const engine = lazyEngine(() => DuckDbEngine.open(database, { file }), file);
 */
export function lazyEngine(open: () => Promise<AnalyticsEngine>, where: string): AnalyticsEngine {
  let opening: Promise<AnalyticsEngine> | undefined;
  let opened: AnalyticsEngine | undefined;
  const get = async (): Promise<AnalyticsEngine> => {
    opening ??= open().then(
      (engine) => {
        opened = engine;
        return engine;
      },
      (error: unknown) => {
        opening = undefined;
        const detail = error instanceof Error ? error.message : String(error);
        throw new RapportError(
          'unavailable',
          /lock/i.test(detail)
            ? `the analytics replica ${where} is open in another Rapport process (one process at a time): use that server's API, or stop it first`
            : `the analytics replica ${where} could not be opened: ${detail}`,
        );
      },
    );
    return opening;
  };
  return {
    get version() {
      return opened?.version ?? 0;
    },
    sync: async () => (await get()).sync(),
    rebuild: async (onProgress) => (await get()).rebuild(onProgress),
    eraseProfiles: async (workspaceId, profileIds) => (await get()).eraseProfiles(workspaceId, profileIds),
    status: async () => (await get()).status(),
    funnel: async (workspaceId, query, segments) => (await get()).funnel(workspaceId, query, segments),
    droppedProfiles: async (workspaceId, query) => (await get()).droppedProfiles(workspaceId, query),
    cohorts: async (workspaceId, query) => (await get()).cohorts(workspaceId, query),
    rfmSummary: async (workspaceId, asOf) => (await get()).rfmSummary(workspaceId, asOf),
    rfmProfiles: async (workspaceId, asOf, limit) => (await get()).rfmProfiles(workspaceId, asOf, limit),
    rfmMovement: async (workspaceId, asOf, compareTo) => (await get()).rfmMovement(workspaceId, asOf, compareTo),
    attribution: async (workspaceId, query) => (await get()).attribution(workspaceId, query),
    periodFigures: async (workspaceId, from, to) => (await get()).periodFigures(workspaceId, from, to),
    maturitySignals: async (workspaceId) => (await get()).maturitySignals(workspaceId),
    async close() {
      const engine = opened ?? (opening === undefined ? undefined : await opening.catch(() => undefined));
      await engine?.close();
    },
  };
}
