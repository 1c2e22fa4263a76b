import type { Kernel } from '../app/kernel.js';
import type { Module } from '../app/module.js';
import { snippetsRoutes } from './routes/snippets.js';
import { templatesRoutes } from './routes/templates.js';
import { TemplateService } from './template-service.js';

/** Message templates (Liquid + MJML), their versions and snippets. */
export interface TemplatesModule extends Module {
  templates: TemplateService;
}

/** @example const templates = templatesModule(kernel); */
export function templatesModule(kernel: Kernel): TemplatesModule {
  const templates = new TemplateService({ database: kernel.database, clock: kernel.clock });
  return {
    name: 'templates',
    dependencies: [],
    templates,
    async routes(scope) {
      await templatesRoutes(scope, templates);
      await snippetsRoutes(scope, templates);
    },
  };
}
