import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DOCUMENTED } from '../shared/documented-schema.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function documented(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(documented);
  if (!isRecord(schema)) return schema;
  const real: unknown = Reflect.get(schema, DOCUMENTED);
  if (isRecord(real)) return typeof schema.description === 'string' ? { ...real, description: schema.description } : real;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = documented(value);
  return copy;
}

/** Swagger's per-route transform: the document shows the real schema of every `documentedAs` part. */
export function documentRoute(route: { schema: object | undefined; url: string }): { schema: Record<string, unknown>; url: string } {
  const schema: unknown = route.schema;
  return { schema: isRecord(schema) ? Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, documented(value)])) : {}, url: route.url };
}

/**
 * Names the components of the OpenAPI document after the schemas' `$id` (Condition,
 * JourneyDefinition, ...) instead of def-0, def-1, and points TypeBox's recursive references
 * (`{ $ref: "Condition" }`) at them. Runs on the finished document (swagger's transformObject).
 */
export function nameSchemaComponents<T>(document: T): T {
  if (!isRecord(document) || !isRecord(document.components) || !isRecord(document.components.schemas)) return document;
  const renamed = new Map<string, string>();
  const schemas: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(document.components.schemas)) {
    const title = isRecord(schema) && typeof schema.title === 'string' && /^[A-Za-z][\w.-]*$/.test(schema.title) && !(schema.title in schemas) ? schema.title : key;
    renamed.set(key, title);
    schemas[title] = schema;
  }
  const known = new Set(Object.keys(schemas));
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (!isRecord(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') {
        const local = /^#\/components\/schemas\/(.+)$/.exec(inner)?.[1];
        const target = local !== undefined ? (renamed.get(local) ?? local) : known.has(inner.replace(/#$/, '')) ? inner.replace(/#$/, '') : undefined;
        out[key] = target === undefined ? inner : `#/components/schemas/${target}`;
      } else {
        out[key] = rewrite(inner);
      }
    }
    return out;
  };
  return { ...document, paths: rewrite(document.paths), components: { ...document.components, schemas: rewrite(schemas) } };
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapport admin API reference</title>
<link rel="stylesheet" href="/api/v1/docs/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="/api/v1/docs/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/init.js"></script>
</body>
</html>
`;

// No inline script, so the page works under a strict Content-Security-Policy.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  defaultModelsExpandDepth: 0,
  tryItOutEnabled: false,
  persistAuthorization: false,
});
`;

const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:";

/**
 * The interactive reference of the admin API at /api/v1/docs: Swagger UI from the
 * swagger-ui-dist package, served by Rapport itself (works offline, no CDN). It is
 * documentation only and needs no token; trying a request asks for an admin token
 * ("Authorize") and is subject to the same checks as any other call.
 */
export async function apiReferenceRoutes(app: FastifyInstance): Promise<void> {
  const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const files = new Map<string, { type: string; body: Promise<Buffer> }>();
  const asset = (name: string, type: string) => {
    let entry = files.get(name);
    if (entry === undefined) {
      entry = { type, body: fs.promises.readFile(path.join(dist, name)) };
      files.set(name, entry);
    }
    return entry;
  };
  const hidden = { schema: { hide: true } };
  app.get('/api/v1/docs', hidden, async (_request, reply) => reply.header('content-security-policy', CSP).type('text/html; charset=utf-8').send(PAGE));
  app.get('/api/v1/docs/init.js', hidden, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(INIT));
  for (const [name, type] of [
    ['swagger-ui.css', 'text/css; charset=utf-8'],
    ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
  ] as const) {
    app.get(`/api/v1/docs/${name}`, hidden, async (_request, reply) => {
      const file = asset(name, type);
      return reply
        .header('cache-control', 'public, max-age=3600')
        .type(file.type)
        .send(await file.body);
    });
  }
}
