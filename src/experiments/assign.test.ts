import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assignVariant, inHoldoutGroup, type AssignableExperiment } from './assign.js';
import { hashBucket, inLayer } from './hash.js';

const experiment: AssignableExperiment = {
  key: 'exp',
  status: 'running',
  kind: 'ab',
  variants: [
    { key: 'control', weight: 0.5 },
    { key: 'treatment', weight: 0.5 },
  ],
  traffic: 1,
};
const open = { targeted: true, inHoldout: false };

describe('assignVariant', () => {
  it('picks the variant whose range holds the unit hash (GrowthBook v2)', () => {
    for (let i = 0; i < 200; i++) {
      const unit = `u${i}`;
      const expected = hashBucket('exp', unit, 2) < 0.5 ? 'control' : 'treatment';
      expect(assignVariant(experiment, unit, open)).toMatchObject({ variant: expected, inExperiment: true, reason: 'assigned' });
    }
  });

  it('applies the checks in order: promoted, status, sticky, holdout, targeting, layer, traffic', () => {
    expect(assignVariant({ ...experiment, status: 'completed', winner: 'treatment' }, 'u1', open)).toMatchObject({ variant: 'treatment', inExperiment: false, reason: 'promoted' });
    expect(assignVariant({ ...experiment, status: 'draft' }, 'u1', open)).toMatchObject({ variant: 'control', inExperiment: false, reason: 'not_running' });
    expect(assignVariant(experiment, 'u1', { ...open, sticky: 'treatment', inHoldout: true })).toMatchObject({ variant: 'treatment', inExperiment: true, reason: 'sticky' });
    // A stored variant that no longer exists is ignored.
    expect(assignVariant(experiment, 'u1', { ...open, sticky: 'gone' }).reason).toBe('assigned');
    expect(assignVariant(experiment, 'u1', { ...open, inHoldout: true })).toMatchObject({ variant: 'control', inExperiment: false, reason: 'holdout' });
    expect(assignVariant(experiment, 'u1', { ...open, targeted: false }).reason).toBe('targeting');
    const layered = { ...experiment, layer: { name: 'home', start: 0, end: 0.5 } };
    const reasons = new Set(Array.from({ length: 100 }, (_, i) => assignVariant(layered, `u${i}`, open).reason));
    expect(reasons).toEqual(new Set(['assigned', 'layer']));
    const none = assignVariant({ ...experiment, traffic: 0 }, 'u1', open);
    expect(none).toMatchObject({ variant: 'control', inExperiment: false, reason: 'traffic' });
  });

  it('keeps units in their variant when traffic grows', () => {
    const small = { ...experiment, traffic: 0.2 };
    for (let i = 0; i < 500; i++) {
      const before = assignVariant(small, `u${i}`, open);
      if (before.inExperiment) expect(assignVariant(experiment, `u${i}`, open).variant).toBe(before.variant);
    }
  });

  it('finds units in the held-out group of a running holdout', () => {
    const holdout: AssignableExperiment = {
      ...experiment,
      key: 'global',
      kind: 'holdout',
      variants: [
        { key: 'held', weight: 0.1 },
        { key: 'rest', weight: 0.9 },
      ],
    };
    const held = Array.from({ length: 2000 }, (_, i) => inHoldoutGroup(holdout, `u${i}`)).filter(Boolean).length;
    expect(held).toBeGreaterThan(150);
    expect(held).toBeLessThan(250);
    expect(inHoldoutGroup({ ...holdout, status: 'stopped' }, 'u1')).toBe(false);
    expect(inHoldoutGroup(undefined, 'u1')).toBe(false);
  });
});

interface AssignmentCases {
  assignments: Array<{ experiment: string; unit: string; weights: number[]; traffic: number; bucket: number; variant: number }>;
  layers: Array<{ unit: string; layer: string; start: number; end: number; inLayer: boolean }>;
}

describe('language-neutral assignment vectors (assignment-cases.json, from an independent implementation)', () => {
  const cases: AssignmentCases = JSON.parse(fs.readFileSync(new URL('./assignment-cases.json', import.meta.url), 'utf8'));

  it.each(cases.assignments.map((c) => [c.experiment, c.unit, c]))('%s / %s', (_key, _unit, c) => {
    expect(hashBucket(c.experiment, c.unit, 2)).toBe(c.bucket);
    const variants = c.weights.map((weight, index) => ({ key: `v${index}`, weight }));
    const assignment = assignVariant({ key: c.experiment, status: 'running', kind: 'ab', variants, traffic: c.traffic }, c.unit, open);
    expect(assignment.inExperiment ? Number(assignment.variant.slice(1)) : -1).toBe(c.variant);
  });

  it('places units in layers as the vectors say', () => {
    for (const c of cases.layers) expect(inLayer(c.unit, c.layer, c.start, c.end), `${c.unit}`).toBe(c.inLayer);
  });
});
