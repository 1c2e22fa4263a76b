import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RapportError } from '../shared/errors.js';
import { expectedUpdatedAt, staleEdit } from '../shared/expected-update.js';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../storage/database.js';
import { bumpSetting, settingChanges } from '../storage/setting-changes.js';
import { loadIdentityRuleOverrides, identityRulesSavedAt, saveIdentityRuleOverrides } from './store/workspace-settings.js';
import { defaultIdentityRules, identityRules, type IdentityRules } from './rules.js';

const TypeRule = Type.Object(
  {
    maxPerProfile: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10000 }), Type.Null()], { description: 'Most distinct values on one profile; null is unlimited' })),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'Higher wins when an event carries several identifiers' })),
  },
  { additionalProperties: false },
);

/** A workspace's overrides of the default identity rules; absent fields keep the defaults. */
export const IdentityRulesInput = Type.Object(
  {
    types: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }), TypeRule, { description: 'Per identifier type: user_id, anonymous_id, email, phone, or an external type such as crm_id' }),
    ),
    externalDefault: Type.Optional(TypeRule),
    blockedValues: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000, description: 'Added to the built-in junk values (null, anonymous, 0, ...)' })),
    externalIdTraits: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }), { description: 'Trait name → external id type, e.g. {"crm_id": "crm_id"}' }),
    ),
    defaultPhoneRegion: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166 region for numbers without a country code' })),
  },
  { additionalProperties: false, $id: 'IdentityRulesInput' },
);
export type IdentityRulesInput = Static<typeof IdentityRulesInput>;

/** The rules in force, as plain JSON. */
export interface EffectiveIdentityRules {
  types: Record<string, { maxPerProfile: number | null; priority: number }>;
  externalDefault: { maxPerProfile: number | null; priority: number };
  blockedValues: string[];
  externalIdTraits: Record<string, string>;
  defaultPhoneRegion: string | null;
}

export function describeRules(rules: IdentityRules): EffectiveIdentityRules {
  return {
    types: { ...rules.types },
    externalDefault: rules.externalDefault,
    blockedValues: [...rules.blockedValues].sort(),
    externalIdTraits: { ...rules.externalIdTraits },
    defaultPhoneRegion: rules.defaultPhoneRegion ?? null,
  };
}

/** The setting-change topic of identity rules. */
const TOPIC = 'identity.rules';

/**
 * Each workspace's identity rules, read from the store and kept in memory so the processor can
 * ask for them synchronously per batch. Changes apply to events processed afterwards (and to
 * everything on `rapport replay`); a save bumps the `identity.rules` setting in its transaction,
 * and every started store (each server process, each processor thread) reloads when it sees the
 * bump, within about 250 ms (storage/setting-changes.ts).
 * @example const store = new IdentityRulesStore({ database, clock }); await store.refresh(); store.rulesFor('default');
 */
export class IdentityRulesStore {
  private overrides = new Map<string, IdentityRulesInput>();
  private rules = new Map<string, IdentityRules>();
  private unwatch: (() => void) | undefined;
  /** Reloads run one after another, so an older read never replaces a newer one. */
  private loading: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { database: Database; clock: Clock }) {}

  /** The rules of a workspace (the defaults when it has no overrides). */
  readonly rulesFor = (workspaceId: string): IdentityRules => this.rules.get(workspaceId) ?? defaultIdentityRules;

  overridesOf(workspaceId: string): IdentityRulesInput {
    return this.overrides.get(workspaceId) ?? {};
  }

  /** Reloads every workspace's rules (after the reloads already queued). */
  refresh(): Promise<void> {
    const next = this.loading.then(() => this.load());
    this.loading = next.catch(() => undefined);
    return next;
  }

  private async load(): Promise<void> {
    const stored = await loadIdentityRuleOverrides(this.deps.database.db);
    const overrides = new Map<string, IdentityRulesInput>();
    const rules = new Map<string, IdentityRules>();
    for (const [workspaceId, value] of stored) {
      // Validated on the way in; a row that no longer validates (edited by hand) keeps the defaults.
      if (!Value.Check(IdentityRulesInput, value)) continue;
      overrides.set(workspaceId, value);
      rules.set(workspaceId, identityRules(value));
    }
    this.overrides = overrides;
    this.rules = rules;
  }

  /** When the workspace's overrides were saved (ISO), null when never: an editor's `expectedUpdatedAt`. */
  async savedAt(workspaceId: string): Promise<string | null> {
    const at = await identityRulesSavedAt(this.deps.database.db, workspaceId);
    return at === undefined ? null : new Date(at).toISOString();
  }

  /**
   * Replaces the overrides. With `expectedUpdatedAt` (the savedAt the editor read, `never` when
   * none), overrides saved by someone else since answer `identity.edit_conflict`.
   */
  async save(workspaceId: string, input: IdentityRulesInput, options: { expectedUpdatedAt?: string } = {}): Promise<IdentityRules> {
    const expected = expectedUpdatedAt(options.expectedUpdatedAt, 'the identity rules');
    await this.deps.database.transaction(async (trx) => {
      if (!(await saveIdentityRuleOverrides(trx, workspaceId, input, this.deps.clock.now(), expected))) {
        throw new RapportError('identity.edit_conflict', ...staleEdit('the identity rules', await identityRulesSavedAt(trx, workspaceId)));
      }
      await bumpSetting(trx, TOPIC, workspaceId, this.deps.clock.now());
    });
    await this.refresh();
    return this.rulesFor(workspaceId);
  }

  /** Follows changes made by any process until `stop()`. */
  start(onError: (error: unknown) => void): void {
    if (this.unwatch !== undefined) return;
    const watch = settingChanges(this.deps.database);
    this.unwatch = watch.on(TOPIC, () => void this.refresh().catch(onError));
    // A change saved between the first load and the watch's first read is caught by one more load.
    void watch
      .ready()
      .then(() => this.refresh())
      .catch(onError);
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }
}
