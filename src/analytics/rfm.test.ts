import { describe, expect, it } from 'vitest';
import { quintileScores, rfmGrid, rfmGroup, rfmGroups, scoreRfm } from './rfm.js';

describe('RFM scoring', () => {
  it('scores quintiles of rank, ties sharing the lowest rank', () => {
    expect(quintileScores([10, 20, 30, 40, 50])).toEqual([1, 2, 3, 4, 5]);
    expect(quintileScores([50, 40, 30, 20, 10])).toEqual([5, 4, 3, 2, 1]);
    // Ten values: two per quintile.
    expect(quintileScores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    // Six customers with one order and four with more: the ties all score 1.
    expect(quintileScores([1, 1, 1, 1, 1, 1, 2, 2, 3, 7])).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
    expect(quintileScores([])).toEqual([]);
    expect(quintileScores([3])).toEqual([1]);
  });

  it('maps every cell of the grid to one of the eleven named groups, each used', () => {
    expect(rfmGrid).toHaveLength(5);
    const used = new Set(rfmGrid.flat());
    expect([...used].sort()).toEqual([...rfmGroups].sort());
    expect(rfmGroup(5, 5, 5)).toBe('Champions');
    expect(rfmGroup(5, 1, 1)).toBe('New');
    expect(rfmGroup(1, 1, 1)).toBe('Lost');
    expect(rfmGroup(1, 5, 5)).toBe('Cannot Lose Them');
    expect(rfmGroup(2, 4, 3)).toBe('At Risk');
    expect(rfmGroup(3, 3, 3)).toBe('Need Attention');
    expect(rfmGroup(3, 4, 5)).toBe('Loyal');
    expect(() => rfmGroup(0, 3, 3)).toThrow(/R=0/);
  });

  it('scores customers: recent, frequent, big spenders on top', () => {
    const scored = scoreRfm([
      { profileId: 'a', recencyDays: 2, orders: 9, revenue: 900 },
      { profileId: 'b', recencyDays: 300, orders: 1, revenue: 10 },
      { profileId: 'c', recencyDays: 40, orders: 3, revenue: 120 },
      { profileId: 'd', recencyDays: 200, orders: 6, revenue: 700 },
      { profileId: 'e', recencyDays: 10, orders: 1, revenue: 15 },
    ]);
    expect(scored.map((row) => [row.profileId, row.r, row.f, row.m, row.group])).toEqual([
      ['a', 5, 5, 5, 'Champions'],
      ['b', 1, 1, 1, 'Lost'],
      ['c', 3, 3, 3, 'Need Attention'],
      ['d', 2, 4, 4, 'At Risk'],
      ['e', 4, 1, 2, 'Promising'],
    ]);
  });
});
