/** What the host passes to the processor thread (structured-cloned, so plain data only). */
export interface ThreadSettings {
  databaseUrl: string | undefined;
  dataDir: string;
  sqliteSynchronous: 'NORMAL' | 'FULL';
  /** The thread's own PostgreSQL pool size (RAPPORT_PG_POOL_MAX, as the HTTP thread's). */
  poolMax: number;
  batchSize: number;
  lingerMs: number;
  logLevel: string;
  /** Modules whose processor extensions run in the thread (each module's `processor-extension.ts`). */
  extensions: string[];
  /** PostgreSQL workers: the lease owner the host process manages, and the log's partitions; the thread processes only what it holds. */
  leases?: { owner: string; partitions: number };
}

export function isThreadSettings(value: unknown): value is ThreadSettings {
  if (typeof value !== 'object' || value === null) return false;
  const record: Record<string, unknown> = { ...value };
  return (
    (record.databaseUrl === undefined || typeof record.databaseUrl === 'string') &&
    typeof record.dataDir === 'string' &&
    (record.sqliteSynchronous === 'NORMAL' || record.sqliteSynchronous === 'FULL') &&
    typeof record.poolMax === 'number' &&
    typeof record.batchSize === 'number' &&
    typeof record.lingerMs === 'number' &&
    typeof record.logLevel === 'string' &&
    Array.isArray(record.extensions) &&
    record.extensions.every((name) => typeof name === 'string') &&
    (record.leases === undefined || (typeof record.leases === 'object' && record.leases !== null))
  );
}
