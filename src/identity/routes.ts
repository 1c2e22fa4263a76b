import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { describeRules, IdentityRulesInput, type IdentityRulesStore } from '../identity/index.js';
import { callerOf } from '../app/caller.js';

const TypeRuleOut = Type.Object({ maxPerProfile: Type.Union([Type.Integer(), Type.Null()]), priority: Type.Integer() });
const RulesResponse = Type.Object({
  overrides: IdentityRulesInput,
  effective: Type.Object({
    types: Type.Record(Type.String(), TypeRuleOut),
    externalDefault: TypeRuleOut,
    blockedValues: Type.Array(Type.String()),
    externalIdTraits: Type.Record(Type.String(), Type.String()),
    defaultPhoneRegion: Type.Union([Type.String(), Type.Null()]),
  }),
  updatedAt: Type.Union([Type.String(), Type.Null()], {
    description: 'When the overrides were last saved (null: never). Send it back as expectedUpdatedAt (or `never`) so a save over someone else’s answers 409 identity.edit_conflict',
  }),
});

/** The workspace's identity-resolution rules: limits, priorities, blocked values, external ids. */
export async function identityRoutes(scope: FastifyInstance, rules: IdentityRulesStore): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/identity-rules', { schema: { tags: ['profiles'], summary: 'Identity rules in force: the overrides and the effective result', response: { 200: RulesResponse } } }, async (request) => {
    const { workspaceId } = callerOf(request);
    return { overrides: rules.overridesOf(workspaceId), effective: describeRules(rules.rulesFor(workspaceId)), updatedAt: await rules.savedAt(workspaceId) };
  });

  app.put(
    '/identity-rules',
    {
      schema: {
        tags: ['profiles'],
        summary:
          'Replace the overrides; they apply to events processed from now on, and to all on `rapport replay`. With expectedUpdatedAt, overrides saved meanwhile answer 409 identity.edit_conflict instead of being overwritten',
        querystring: Type.Object({
          expectedUpdatedAt: Type.Optional(Type.String({ maxLength: 40, description: 'The updatedAt the editor read, or `never` when it read no saved overrides' })),
        }),
        body: IdentityRulesInput,
        response: { 200: RulesResponse },
      },
    },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const { expectedUpdatedAt } = request.query;
      const effective = await rules.save(workspaceId, request.body, expectedUpdatedAt === undefined ? {} : { expectedUpdatedAt });
      return { overrides: rules.overridesOf(workspaceId), effective: describeRules(effective), updatedAt: await rules.savedAt(workspaceId) };
    },
  );
}
