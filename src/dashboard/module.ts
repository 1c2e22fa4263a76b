import type { Module } from '../app/module.js';

/**
 * The marketer's dashboard (app/, built into app/dist): static files the HTTP layer serves at /
 * (src/dashboard/routes.ts). It holds no data of its own and calls the API like any client.
 * @example const dashboard = dashboardModule();
 */
export function dashboardModule(): Module {
  return { name: 'dashboard', dependencies: [] };
}
