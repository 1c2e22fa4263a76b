/**
 * Group commit for the message log: writes submitted while a group is being committed (or in
 * the same turn of the event loop) are carried by one transaction, so N concurrent sends pay
 * one commit instead of N. Every submitter resolves only after the transaction holding its
 * write has committed, so nothing is acknowledged before it is durable. When a group fails,
 * its items are retried one by one: only an item the store refuses fails.
 * @example const claims = new GroupCommit((items) => database.transaction((trx) => writeAll(trx, items)));
 *          const outcome = await claims.submit(item);
 */
export class GroupCommit<Item, Outcome> {
  private readonly queue: { item: Item; resolve: (outcome: Outcome) => void; reject: (error: unknown) => void }[] = [];
  private flushing = false;

  /**
   * @param commit writes the items in one transaction and returns one outcome per item, in order.
   * @param maxGroup items one transaction may carry (bounded so statements stay small).
   */
  constructor(
    private readonly commit: (items: Item[]) => Promise<Outcome[]>,
    private readonly maxGroup = 256,
  ) {
    if (!Number.isInteger(maxGroup) || maxGroup < 1) throw new Error(`maxGroup must be a positive integer, got ${maxGroup}`);
  }

  /** Queues one write; resolves with its outcome once its group has committed. */
  submit(item: Item): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    // One turn of the event loop lets the writes of sends running together join the group
    // (on SQLite a transaction never yields, so without it each write would commit alone).
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.maxGroup);
        try {
          const outcomes = await this.commit(group.map((pending) => pending.item));
          if (outcomes.length !== group.length) throw new Error(`group commit returned ${outcomes.length} outcomes for ${group.length} items`);
          group.forEach((pending, index) => pending.resolve(outcomes[index] as Outcome));
        } catch (error) {
          if (group.length === 1) group[0]?.reject(error);
          else {
            for (const pending of group) {
              await this.commit([pending.item]).then(
                (outcomes) => (outcomes.length === 1 ? pending.resolve(outcomes[0] as Outcome) : pending.reject(new Error('group commit returned no outcome'))),
                (single: unknown) => pending.reject(single),
              );
            }
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
