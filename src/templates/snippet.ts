import { Type, type Static } from '@sinclair/typebox';
import { SNIPPET_NAME_PATTERN } from './snippet-fs.js';

/** A snippet's name, as templates write it in `{% render 'name' %}`. */
export const SnippetNameSchema = Type.String({ pattern: SNIPPET_NAME_PATTERN, description: 'lower-case letters, digits, _ and -, at most 64, starting with a letter or digit' });

/** What a save sends: the Liquid source and an optional note for the editor. */
export const SnippetInputSchema = Type.Object(
  {
    source: Type.String({ maxLength: 50_000 }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type SnippetInput = Static<typeof SnippetInputSchema>;

/** A snippet as lists show it: its current version, without the source. */
export const SnippetSchema = Type.Object({
  name: Type.String(),
  description: Type.String(),
  version: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Snippet = Static<typeof SnippetSchema>;

/** A snippet with the source of its current version. */
export const SnippetDetailSchema = Type.Object({ ...SnippetSchema.properties, source: Type.String() });
export type SnippetDetail = Static<typeof SnippetDetailSchema>;

/** One saved version. `restoredFrom` is set when the version was made by restoring an older one. */
export const SnippetVersionSummarySchema = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  description: Type.String(),
  restoredFrom: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String(),
});
export type SnippetVersionSummary = Static<typeof SnippetVersionSummarySchema>;

export const SnippetVersionSchema = Type.Object({ ...SnippetVersionSummarySchema.properties, source: Type.String() });
export type SnippetVersion = Static<typeof SnippetVersionSchema>;
