import type { Tx } from '../storage/database.js';
import type { Subject } from './store/personal-data.js';

export type { Subject } from './store/personal-data.js';

/**
 * One owner of personal data: each module registers a handler for its own tables, so an
 * erasure reaches every table without the privacy module knowing them all. `erase` runs inside
 * the erasure's transaction and returns how many rows it removed or anonymised.
 */
export interface PersonalDataHandler {
  /** Shown in the audit record, e.g. `events`, `messages`, `segments.membership`. */
  name: string;
  erase?(trx: Tx, subject: Subject): Promise<number>;
  /**
   * For stores outside the state store (the analytics replica): runs once the erasure has
   * committed, so no copy made from the state store can bring the rows back afterwards.
   * Returns how many rows it removed there.
   */
  eraseAfterCommit?(subject: Subject): Promise<number>;
  /** What the export holds for this owner (plain JSON); omitted when there is nothing to show. */
  export?(db: Tx, subject: Subject): Promise<unknown>;
}

/**
 * The registry of personal-data owners.
 * @example privacyRegistry.register({ name: 'segment_members', erase: (trx, subject) => deleteMembers(trx, subject.workspaceId, subject.profileIds) });
 */
export class PrivacyRegistry {
  private readonly handlers = new Map<string, PersonalDataHandler>();

  register(handler: PersonalDataHandler): void {
    if (this.handlers.has(handler.name)) throw new Error(`a privacy handler named ${handler.name} is registered already`);
    this.handlers.set(handler.name, handler);
  }

  list(): PersonalDataHandler[] {
    return [...this.handlers.values()];
  }
}
