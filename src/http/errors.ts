import type { FastifyError, FastifyInstance } from 'fastify';
import { RapportError, type ErrorCode, type FieldIssue, typeOf } from '../shared/errors.js';

/** `code` is the domain code (`segment.cycle`), `type` its HTTP class (`invalid_request`), which clients of the class codes read. */
export interface ErrorBody {
  error: { code: ErrorCode; type: string; message: string; issues?: FieldIssue[]; requestId?: string };
}

function errorBody(code: ErrorCode, message: string, extra: { issues?: FieldIssue[]; requestId?: string } = {}): ErrorBody {
  return { error: { code, type: typeOf(code), message, ...extra } };
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && 'code' in error && typeof error.code === 'string';
}

/**
 * PostgreSQL refuses U+0000 in text (22021) and in jsonb escapes (22P05) where SQLite stores it:
 * that is the client's input, not a server fault, on whichever store.
 */
function isNulRefusal(error: unknown): boolean {
  if (!(error instanceof Error) || !('code' in error)) return false;
  return (error.code === '22021' && error.message.includes('0x00')) || error.code === '22P05';
}

type AjvIssue = NonNullable<FastifyError['validation']>[number];

/**
 * Ajv reports a value outside a union of literals as one "must be equal to constant" per choice
 * plus "must match a schema in anyOf": this folds them into one issue listing the allowed values.
 */
export function collapseChoices(issues: readonly AjvIssue[]): AjvIssue[] {
  const allowed = new Map<string, string[]>();
  for (const issue of issues) {
    const values = issue.keyword === 'const' ? [issue.params.allowedValue] : issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues) ? issue.params.allowedValues : [];
    for (const value of values) allowed.set(issue.instancePath, [...(allowed.get(issue.instancePath) ?? []), JSON.stringify(value)]);
  }
  const out: AjvIssue[] = [];
  for (const issue of issues) {
    const choices = allowed.get(issue.instancePath);
    // The union above the choices ("must match a schema in anyOf") says nothing more.
    if (issue.keyword === 'anyOf' && [...allowed.keys()].some((path) => path.startsWith(`${issue.instancePath}/`))) continue;
    if (choices === undefined) out.push(issue);
    else if (!out.some((kept) => kept.instancePath === issue.instancePath && kept.keyword === 'enum')) {
      out.push({ ...issue, keyword: 'enum', params: { allowedValues: [...new Set(choices)] }, message: `must be one of ${[...new Set(choices)].join(', ')}` });
    }
  }
  return out;
}

/**
 * The one place errors become HTTP responses: registry errors keep their code and message,
 * Fastify's own errors (schema validation, body limits) are mapped to registry codes, and
 * anything else is logged and answered with a sanitized 500 that names the request id.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    let status: number;
    let body: ErrorBody;
    if (error instanceof RapportError) {
      status = error.status;
      body = errorBody(error.code, error.message, error.issues.length > 0 ? { issues: error.issues } : {});
    } else if (isFastifyError(error) && error.validation !== undefined) {
      const issues: FieldIssue[] = collapseChoices(error.validation).map((issue) => ({
        field:
          `${error.validationContext ?? 'body'}${issue.instancePath.replace(/\//g, '.')}` +
          (typeof issue.params.missingProperty === 'string' ? `.${issue.params.missingProperty}` : '') +
          (typeof issue.params.additionalProperty === 'string' ? `.${issue.params.additionalProperty}` : ''),
        rule: issue.keyword,
        message: typeof issue.params.additionalProperty === 'string' ? 'is not a known field' : (issue.message ?? 'is invalid'),
      }));
      status = 400;
      body = errorBody('invalid_request', issues.map((issue) => `${issue.field} ${issue.message}`).join('; '), { issues });
    } else if (isFastifyError(error) && error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const ingest = request.url.startsWith('/v1/');
      status = ingest ? 400 : 413;
      body = errorBody(ingest ? 'ingest_too_large' : 'payload_too_large', 'the request body is too large; split it into smaller requests');
    } else if (isFastifyError(error) && typeof error.statusCode === 'number' && error.statusCode < 500) {
      status = error.statusCode;
      body = errorBody('invalid_request', error.message);
    } else if (isNulRefusal(error)) {
      status = 400;
      body = errorBody('invalid_request', 'a value in this request contains a NUL byte (U+0000), which cannot be stored; remove it');
    } else {
      request.log.error({ err: error }, 'unhandled error');
      status = 500;
      body = errorBody('internal', `internal error; the server log has the details under request id ${request.id}`, { requestId: String(request.id) });
    }
    void reply.status(status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody('not_found', `no route for ${request.method} ${request.url.split('?')[0]}; see /api/v1/openapi.json`));
  });
}
