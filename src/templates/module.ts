import type { Kernel } from '../app/kernel.js';
import type { Module } from '../app/module.js';
import { TemplateService } from './template-service.js';

/** Message templates (Liquid + MJML), their versions and snippets. */
export interface TemplatesModule extends Module {
  templates: TemplateService;
}

/** @example const templates = templatesModule(kernel); */
export function templatesModule(kernel: Kernel): TemplatesModule {
  return { name: 'templates', dependencies: [], templates: new TemplateService({ database: kernel.database, clock: kernel.clock }) };
}
