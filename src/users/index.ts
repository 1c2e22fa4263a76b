/*
 * The users module's surface for other modules and the entry points (its registration is in
 * module.ts, which only the composition root imports).
 */
export { UserService } from './user-service.js';
export type { FirstOwner, SessionPrincipal } from './user-service.js';
export { requireCsrf, sessionToken } from './session-cookie.js';
