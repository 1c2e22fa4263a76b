import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DEFAULT_SDK_DIR, loadSdkAssets, sdkResponse } from '../../onsite/index.js';
import { RapportError } from '../../shared/errors.js';

/**
 * GET /sdk/v1/* serves the browser SDK built in `dir` (src/onsite/sdk-assets.ts decides the
 * caching and encoding); without a build, the routes answer 404 saying what to run.
 * @example await app.register(async (scope) => sdkAssetRoutes(scope, { dir: config.sdkDir }));
 */
export async function sdkAssetRoutes(scope: FastifyInstance, options: { dir?: string | undefined } = {}): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const dir = options.dir ?? DEFAULT_SDK_DIR;
  const assets = loadSdkAssets(dir);
  if (assets === undefined) app.log.warn({ dir }, 'the browser SDK is not built; /sdk/v1/ answers 404 (run npm run build)');
  app.get('/sdk/v1/*', { schema: { hide: true, params: Type.Object({ '*': Type.String({ maxLength: 200 }) }) } }, async (request, reply) => {
    const name = request.params['*'];
    const asset = assets?.get(name);
    if (asset === undefined) {
      void reply.header('access-control-allow-origin', '*');
      throw new RapportError(
        'not_found',
        assets === undefined ? 'the browser SDK is not built on this server; run npm run build' : `no SDK file ${name}; the loader at /sdk/v1/loader.js names the current files`,
      );
    }
    const answer = sdkResponse(asset, { acceptEncoding: request.headers['accept-encoding'], ifNoneMatch: request.headers['if-none-match'] });
    return reply.status(answer.status).headers(answer.headers).send(answer.body);
  });
}
