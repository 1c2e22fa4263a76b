/**
 * Counts by a small, fixed set of label values (a send's channel and status, an ingest
 * outcome), kept in the process that did the work: /metrics reads them as Prometheus counters,
 * so the modules that count need no metrics library.
 * @example const sends = new Tally(); sends.add(['email', 'sent']); sends.entries() // [[['email', 'sent'], 1]]
 */
export class Tally {
  // Keyed by the labels joined with a separator no label holds (labels are code-chosen names).
  private readonly counts = new Map<string, { labels: readonly string[]; count: number }>();

  add(labels: readonly string[], count = 1): void {
    if (count === 0) return;
    const key = labels.join('\u0000');
    const entry = this.counts.get(key);
    if (entry === undefined) this.counts.set(key, { labels: [...labels], count });
    else entry.count += count;
  }

  /** Every label tuple counted so far with its total. */
  entries(): [readonly string[], number][] {
    return [...this.counts.values()].map((entry) => [entry.labels, entry.count]);
  }
}
