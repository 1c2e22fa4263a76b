import { now } from '../util.js';
import type { Trigger } from '../types.js';

/*
 * Triggers, OR'd: each armed trigger calls `fire` with its type at most once per page view and
 * returns its own cleanup, so an SPA navigation disarms everything and arms the new page's set.
 */
export interface TriggerEnv {
  pageStart: number;
  sessionStart: number;
  /** Touch device (mobile or tablet): exit intent there is the combined, less precise signal. */
  touch: boolean;
  /** Subscribes to custom events (tracked names) and cart changes; returns the unsubscribe. */
  onEvent(listener: (name: string) => void): () => void;
}

type Cleanup = () => void;
const ACTIVITY = ['mousemove', 'keydown', 'scroll', 'touchstart', 'pointerdown'];

function listen(target: EventTarget, type: string, listener: (event: Event) => void): Cleanup {
  target.addEventListener(type, listener, { passive: true, capture: true });
  return () => target.removeEventListener(type, listener, { capture: true });
}

function after(ms: number, fire: () => void): Cleanup {
  const timer = setTimeout(fire, Math.max(0, ms));
  return () => clearTimeout(timer);
}

function scrollPercent(): number {
  const doc = document.documentElement;
  const scrollable = doc.scrollHeight - window.innerHeight;
  return scrollable <= 0 ? 100 : (window.scrollY / scrollable) * 100;
}

function inactivity(seconds: number, fire: () => void): Cleanup {
  let timer = setTimeout(fire, seconds * 1000);
  const reset = () => {
    clearTimeout(timer);
    timer = setTimeout(fire, seconds * 1000);
  };
  const cleanups = ACTIVITY.map((type) => listen(document, type, reset));
  return () => {
    clearTimeout(timer);
    for (const cleanup of cleanups) cleanup();
  };
}

/** Desktop: the pointer leaves through the top edge. Touch (opt-in, less precise): a fast upward fling, back navigation, or coming back to a hidden tab. */
function exitIntent(trigger: Extract<Trigger, { type: 'exit_intent' }>, env: TriggerEnv, fire: () => void): Cleanup {
  const dwelt = () => now() - env.pageStart >= trigger.minDwellSeconds * 1000;
  if (!env.touch) {
    return listen(document, 'mouseout', (event) => {
      const mouse = event as MouseEvent;
      if (mouse.relatedTarget === null && mouse.clientY <= 0 && dwelt()) fire();
    });
  }
  if (!trigger.mobile) return () => undefined;
  let lastY = window.scrollY;
  let lastAt = now();
  let hidden = false;
  const offScroll = listen(window, 'scroll', () => {
    const y = window.scrollY;
    const at = now();
    if (lastY - y > window.innerHeight * 0.25 && at - lastAt < 400 && dwelt()) fire();
    lastY = y;
    lastAt = at;
  });
  const offVisibility = listen(document, 'visibilitychange', () => {
    if (document.visibilityState === 'hidden') hidden = true;
    else if (hidden && dwelt()) fire();
  });
  // History traversal (the back button in a single-page app), announced by the core before it re-arms.
  const offBack = env.onEvent((name) => {
    if (name === '$back' && dwelt()) fire();
  });
  return () => {
    offScroll();
    offVisibility();
    offBack();
  };
}

/** Arms one trigger; `fire` may be called more than once, the caller keeps the first. */
export function armTrigger(trigger: Trigger, env: TriggerEnv, fire: () => void): Cleanup {
  switch (trigger.type) {
    case 'page_load':
      return after((trigger.delaySeconds ?? 0) * 1000, fire);
    case 'time_on_page':
      return after(env.pageStart + trigger.seconds * 1000 - now(), fire);
    case 'time_on_site':
      return after(env.sessionStart + trigger.seconds * 1000 - now(), fire);
    case 'scroll_depth':
      return listen(window, 'scroll', () => {
        if (scrollPercent() >= trigger.percent) fire();
      });
    case 'inactivity':
      return inactivity(trigger.seconds, fire);
    case 'exit_intent':
      return exitIntent(trigger, env, fire);
    case 'custom_event':
      return env.onEvent((name) => {
        if (name === trigger.event) fire();
      });
    case 'cart_change':
      return env.onEvent((name) => {
        if (name === '$cart') fire();
      });
    default:
      return () => undefined;
  }
}
