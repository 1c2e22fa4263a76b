import type { JourneyNode } from '../definition.js';
import type { JourneyProfile } from '../journey-profile.js';
import type { Effect, JourneyRun, RunContext } from './run-state.js';

/**
 * The side effect of a send, webhook or profile-update node for a run, under the step's
 * idempotency key. The customer is the surviving profile when the run's one was merged away.
 * @example effectOf('default', run, sendNode, context, stepKey(run), profile).kind // 'send'
 */
export function effectOf(workspaceId: string, run: JourneyRun, node: JourneyNode, context: RunContext, key: string, profile: JourneyProfile | undefined): Effect {
  const profileId = profile?.id ?? run.profileId;
  switch (node.type) {
    case 'send':
      return {
        kind: 'send',
        key,
        request: {
          workspaceId,
          profileId,
          channel: node.channel,
          templateId: node.templateId,
          idempotencyKey: key,
          ...(node.coupon === undefined ? {} : { coupon: node.coupon }),
          purpose: node.purpose ?? 'marketing',
          // `event`: the triggering event's properties, as templates read them (`event.product_id`, `event.products`).
          data: {
            event: { ...context.trigger.properties, event: context.trigger.event ?? null },
            ...(node.data ?? {}),
            trigger: context.trigger,
            journey: { id: run.journeyId, runId: run.id, nodeId: node.id },
          },
          source: { kind: 'journey', id: run.journeyId, nodeId: node.id, ...(run.arm === null ? {} : { variant: run.arm }) },
        },
      };
    case 'webhook':
      return { kind: 'webhook', key, url: node.url, headers: node.headers ?? {}, body: { journeyId: run.journeyId, runId: run.id, nodeId: node.id, profileId, trigger: context.trigger } };
    case 'update_profile':
      return { kind: 'update_profile', key, profileId, traits: node.traits };
    default:
      throw new Error(`node "${node.id}" (${node.type}) has no side effect`);
  }
}
