/*
 * The overview module's surface: none. It only contributes the home screen's routes (its
 * registration is in module.ts, which only the composition root imports); no module calls it.
 */
export {};
