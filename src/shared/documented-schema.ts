import type { TSchema } from '@sinclair/typebox';

// A symbol, so neither Ajv nor the response serializer looks inside.
export const DOCUMENTED = Symbol('documentedAs');

/**
 * A route schema that validates with `runtime` but appears in the OpenAPI document as `schema`, the
 * module's real schema. For conditions and journey definitions: their services validate them and
 * name the bad node (`conditions[1].window.unit`), where schema errors of a recursive union would
 * list every alternative, and their schemas repeat `$id`s that Ajv and the serializer refuse.
 * It lives in shared so a module's concept schema (`segments/segment.ts`) can use it; the HTTP
 * layer's OpenAPI transform (src/http/openapi.ts) reads the mark.
 */
export function documentedAs<R extends TSchema>(runtime: R, schema: TSchema): R {
  return { ...runtime, [DOCUMENTED]: schema };
}
