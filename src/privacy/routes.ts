import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { callerOf, type AdminCaller } from '../app/caller.js';
import type { TypedApp } from '../app/typed-app.js';
import type { PrivacyService } from './privacy-service.js';

/** Erasure and export jobs, with their audit trail (consent and suppressions are the channels module's routes). */
export async function privacyRoutes(scope: FastifyInstance, privacy: PrivacyService): Promise<void> {
  privacyJobRoutes(scope.withTypeProvider<TypeBoxTypeProvider>(), privacy);
}

/** Who asked for a privacy job, as its audit trail names them: `admin_token:<id>` or `user:<id>`. */
function requester(caller: AdminCaller): string {
  return caller.user === undefined ? `admin_token:${caller.credentialId}` : `user:${caller.user.id}`;
}

/** Erasure and export jobs, with their audit trail. */
function privacyJobRoutes(app: TypedApp, privacy: PrivacyService): void {
  const JobBody = Type.Object({ profileId: Type.String({ minLength: 1 }), reason: Type.Optional(Type.String({ maxLength: 500 })) });

  app.post('/privacy/erasures', { schema: { tags: ['privacy'], summary: 'Erase everything held about a person (a job; the audit record stays)', body: JobBody } }, async (request, reply) => {
    const auth = callerOf(request);
    return reply
      .status(202)
      .send(await privacy.requestErasure(auth.workspaceId, request.body.profileId, { requestedBy: requester(auth), ...(request.body.reason === undefined ? {} : { reason: request.body.reason }) }));
  });

  app.post('/privacy/exports', { schema: { tags: ['privacy'], summary: 'Export everything held about a person as JSON (a job)', body: JobBody } }, async (request, reply) => {
    const auth = callerOf(request);
    return reply
      .status(202)
      .send(await privacy.requestExport(auth.workspaceId, request.body.profileId, { requestedBy: requester(auth), ...(request.body.reason === undefined ? {} : { reason: request.body.reason }) }));
  });

  app.get('/privacy/jobs', { schema: { tags: ['privacy'], summary: 'Erasure and export jobs: the audit trail' } }, async (request) => ({ jobs: await privacy.jobs(callerOf(request).workspaceId) }));

  app.get('/privacy/jobs/:id', { schema: { tags: ['privacy'], summary: 'One job', params: Type.Object({ id: Type.String() }) } }, async (request) =>
    privacy.job(callerOf(request).workspaceId, request.params.id),
  );

  app.get('/privacy/jobs/:id/document', { schema: { tags: ['privacy'], summary: 'The JSON an export job produced', params: Type.Object({ id: Type.String() }) } }, async (request) =>
    privacy.exportDocument(callerOf(request).workspaceId, request.params.id),
  );
}
