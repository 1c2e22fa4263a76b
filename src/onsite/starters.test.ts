import { describe, expect, it } from 'vitest';
import { checkCampaign } from './models/validate.js';
import { starterCampaigns } from './starters.js';

describe('starter campaigns', () => {
  it('are valid campaigns with English, Arabic and Japanese copy and a holdout', () => {
    expect(starterCampaigns.map((starter) => starter.key)).toEqual([
      'hello-bar',
      'side-coupon',
      'popup',
      'floating-icon',
      'scratch-coupon',
      'free-shipping-bar',
      'exit-intent-tiered',
      'email-capture-ab',
      'nps-survey',
      'banner-returning',
      'recommendations-for-you',
    ]);
    for (const starter of starterCampaigns) {
      const definition = starter.build({ pool: 'cpl_test', starter: (key) => `osc_${key}` });
      const checked = checkCampaign(definition);
      expect(checked.ok ? [] : checked.issues, starter.key).toEqual([]);
      expect(definition.type).toBe(starter.type);
      expect(definition.holdout).toBeGreaterThan(0);
      for (const variant of definition.variants) expect(Object.keys(variant.content).sort(), starter.key).toEqual(['ar', 'en', 'ja']);
    }
  });

  it('test two offers in the email capture and tier the exit-intent coupon by CLV', () => {
    const capture = starterCampaigns.find((starter) => starter.key === 'email-capture-ab')?.build({ pool: 'p', starter: () => undefined });
    expect(capture?.variants.map((variant) => variant.key)).toEqual(['ten-percent', 'free-shipping']);
    const exit = starterCampaigns.find((starter) => starter.key === 'exit-intent-tiered')?.build({ pool: 'p', starter: () => undefined });
    expect(exit?.triggers).toEqual([{ type: 'exit_intent', minDwellSeconds: 10, mobile: false }]);
    expect(exit?.variants[0]?.content.en?.coupon).toEqual({ pool: 'p', tiered: true, withholdAbovePropensity: 0.8 });
  });
});
