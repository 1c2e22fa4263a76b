import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  it('carries writes submitted together in one commit and resolves each with its own outcome', async () => {
    const commits: number[][] = [];
    const group = new GroupCommit<number, string>(async (items) => {
      commits.push(items);
      return items.map((item) => `ok:${item}`);
    });
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map((item) => group.submit(item)));
    expect(outcomes).toEqual(['ok:1', 'ok:2', 'ok:3', 'ok:4', 'ok:5']);
    expect(commits).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('bounds a group, and groups what arrives while a commit is in flight', async () => {
    const commits: number[][] = [];
    // The first commit holds until 4 and 5 have arrived: ordered by promises, not by timers.
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = (): void => undefined;
    const firstInFlight = new Promise<void>((resolve) => (started = resolve));
    const group = new GroupCommit<number, number>(async (items) => {
      commits.push(items);
      started();
      await gate;
      return items;
    }, 2);
    const first = [1, 2, 3].map((item) => group.submit(item));
    await firstInFlight;
    const late = [4, 5].map((item) => group.submit(item));
    release();
    expect(await Promise.all([...first, ...late])).toEqual([1, 2, 3, 4, 5]);
    expect(commits).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('retries a failed group one by one, so only the write the store refuses fails', async () => {
    const group = new GroupCommit<number, number>(async (items) => {
      if (items.includes(3)) throw new Error('refused 3');
      return items.map((item) => item * 10);
    });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((item) => group.submit(item)));
    expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message))).toEqual([10, 20, 'refused 3', 40]);
  });

  it('refuses a group size that is not a positive integer', () => {
    expect(() => new GroupCommit(async (items: number[]) => items, 0)).toThrow('maxGroup must be a positive integer, got 0');
  });
});
