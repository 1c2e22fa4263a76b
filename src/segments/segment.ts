import { Type, type Static } from '@sinclair/typebox';
import { documentedAs } from '../shared/documented-schema.js';
import { ConditionSchema, type Condition } from './condition.js';

/** A segment as the API shows it: the response schema of the segment routes, and the service's type. */
export const SegmentSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    kind: Type.Union([Type.Literal('dynamic'), Type.Literal('static')]),
    // Serialized as plain JSON (the recursive schema repeats `$id`s the serializer refuses), documented as the tree.
    condition: documentedAs(Type.Unsafe<Condition | null>(Type.Unknown()), Type.Union([ConditionSchema, Type.Null()], { description: 'null for a static list' })),
    version: Type.Integer(),
    status: Type.Union([Type.Literal('backfilling'), Type.Literal('live'), Type.Literal('failed')]),
    backfill: Type.Object({
      percent: Type.Integer({ description: 'Progress of the backfill over all profiles; 100 once live' }),
      done: Type.Integer(),
      total: Type.Integer(),
      startedAt: Type.Union([Type.String(), Type.Null()]),
      finishedAt: Type.Union([Type.String(), Type.Null()]),
      error: Type.Union([Type.String(), Type.Null()]),
    }),
    members: Type.Integer(),
    dependsOn: Type.Array(Type.String(), { description: 'Segments its condition reads' }),
    destination: Type.Union([
      Type.Object({
        url: Type.String({ description: 'Credentials in the URL are masked' }),
        delivered: Type.Integer(),
        pending: Type.Integer(),
        secret: Type.Optional(Type.String({ description: 'The signing secret, shown only in the answer that set the destination' })),
      }),
      Type.Null(),
    ]),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'Segment' },
);
export type Segment = Static<typeof SegmentSchema>;
