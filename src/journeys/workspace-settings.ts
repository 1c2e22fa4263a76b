import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RapportError } from '../shared/errors.js';
import { fnv1a } from '../shared/ids.js';
import { isTimeZone } from './local-time.js';

/*
 * Settings that hold across every journey of a workspace: frequency caps per channel, the
 * global control group, and the time zone used for customers without one.
 */

const Cap = Type.Object(
  {
    perDay: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Messages per rolling 24 hours' })),
    perWeek: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'Messages per rolling 7 days' })),
  },
  { additionalProperties: false },
);

export const JourneyWorkspaceSettingsSchema = Type.Object(
  {
    frequencyCaps: Type.Optional(
      Type.Object(
        { email: Type.Optional(Cap), sms: Type.Optional(Cap), push: Type.Optional(Cap), webhook: Type.Optional(Cap), inbox: Type.Optional(Cap) },
        { additionalProperties: false, description: 'Across all journeys; a send over a cap is skipped and recorded as capped' },
      ),
    ),
    globalControlPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 50, description: 'Share of customers (a stable hash of the profile id) that no journey messages, to measure lift' })),
    defaultTimeZone: Type.Optional(Type.String({ description: 'IANA zone for customers without a timezone trait; default UTC' })),
  },
  { additionalProperties: false, $id: 'JourneyWorkspaceSettings' },
);
export type JourneyWorkspaceSettings = Static<typeof JourneyWorkspaceSettingsSchema>;

/** Validates settings; an error names the field. */
export function parseWorkspaceSettings(input: unknown): JourneyWorkspaceSettings {
  if (!Value.Check(JourneyWorkspaceSettingsSchema, input)) {
    const issues = [...Value.Errors(JourneyWorkspaceSettingsSchema, input)]
      .slice(0, 10)
      .map((error) => ({ field: error.path.slice(1).replaceAll('/', '.') || '(root)', rule: 'schema', message: error.message }));
    throw new RapportError('journey.settings_invalid', `journey settings are invalid: ${issues[0]?.field ?? ''}: ${issues[0]?.message ?? ''}`, issues);
  }
  if (input.defaultTimeZone !== undefined && !isTimeZone(input.defaultTimeZone)) {
    throw new RapportError('journey.time_zone_invalid', `defaultTimeZone "${input.defaultTimeZone}" is not an IANA time zone such as Europe/Paris`, [
      { field: 'defaultTimeZone', rule: 'timezone', message: 'use an IANA zone' },
    ]);
  }
  return input;
}

/**
 * Whether a profile is in the global control group: a stable bucket 0-9999 from its id, so
 * the same customers stay held out across journeys and restarts.
 * @example inGlobalControl('prf_abc', 10) // true for about 10% of profiles
 */
export function inGlobalControl(profileId: string, percent: number | undefined): boolean {
  if (percent === undefined || percent <= 0) return false;
  return fnv1a(`global-control:${profileId}`) % 10_000 < percent * 100;
}
