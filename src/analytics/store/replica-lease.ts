import { randomUUID } from 'node:crypto';
import type { Tx } from '../../storage/database.js';
import { holdLease, releaseLease } from '../../storage/named-leases.js';

/** A lease as the replica uses it: held by the process that feeds a shared replica while it keeps renewing it. */
export interface Lease {
  /** Takes or renews it; false while another process holds it. */
  hold(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * The lease on feeding the shared replica `name` for one process (a random holder id), lasting
 * `ttlMs` from each renewal; another process takes it over once it has expired.
 * @example const lease = replicaLease(database.db, 'clickhouse', () => clock.now());
 */
export function replicaLease(db: Tx, name: string, now: () => number, ttlMs = 30_000): Lease {
  const holder = randomUUID();
  const leaseName = `analytics.replica:${name}`;
  return {
    hold: () => holdLease(db, leaseName, holder, now(), ttlMs),
    release: () => releaseLease(db, leaseName, holder),
  };
}
