import { readJson, writeJson } from '../storage.js';
import { isObject, now } from '../util.js';
import type { CompiledCampaign, VisitorFacts } from '../types.js';

/*
 * Fatigue state in localStorage (`rapport:caps`), read fresh at every decision and written at
 * once, so caps hold across reloads and across tabs of the same site. A held-out view counts like
 * a real one: the holdout must be capped the same way for the comparison to be fair.
 */
interface CampaignMarks {
  /** views so far */
  v: number;
  /** last view, ms */
  l: number;
  /** session id of the last view */
  s: string;
  /** closed by the visitor */
  x?: 1;
  /** converted (submitted) */
  c?: 1;
}

interface CapsState {
  campaigns: Map<string, CampaignMarks>;
  /** last modal shown anywhere on the site, ms (quiet period) */
  modalAt: number;
  /** the visitor signed up through some campaign */
  signup: boolean;
}

const KEY = 'rapport:caps';

function load(): CapsState {
  const value = readJson('local', KEY);
  const state: CapsState = { campaigns: new Map(), modalAt: 0, signup: false };
  if (!isObject(value)) return state;
  if (Array.isArray(value.c)) {
    for (const entry of value.c) {
      if (Array.isArray(entry) && typeof entry[0] === 'string' && isObject(entry[1])) state.campaigns.set(entry[0], entry[1] as unknown as CampaignMarks);
    }
  }
  state.modalAt = typeof value.m === 'number' ? value.m : 0;
  state.signup = value.u === 1;
  return state;
}

function save(state: CapsState): void {
  writeJson('local', KEY, { c: [...state.campaigns].slice(-200), m: state.modalAt, u: state.signup ? 1 : 0 });
}

function update(id: string, change: (marks: CampaignMarks, state: CapsState) => void): void {
  const state = load();
  const marks = state.campaigns.get(id) ?? { v: 0, l: 0, s: '' };
  change(marks, state);
  state.campaigns.delete(id); // re-insert: newest last, so the bound drops the oldest
  state.campaigns.set(id, marks);
  save(state);
}

/** Why a campaign may not show now, or null when its caps allow it. */
export function cappedBy(campaign: CompiledCampaign, sessionId: string, facts: VisitorFacts | null, quietSeconds: number): string | null {
  const state = load();
  const marks = state.campaigns.get(campaign.id);
  const caps = campaign.caps;
  const frequency = caps.frequency;
  if (campaign.modal && quietSeconds > 0 && now() - state.modalAt < quietSeconds * 1000) return 'quiet_period';
  if (caps.suppressAfterSignup && (state.signup || facts?.subscribed.email === true)) return 'signed_up';
  if (caps.stopAfterConversion && (marks?.c === 1 || facts?.converted.includes(campaign.id) === true)) return 'converted';
  if (marks === undefined) return null;
  if (caps.stopAfterClose && marks.x === 1) return 'closed';
  if (caps.maxViews !== undefined && marks.v >= caps.maxViews) return 'max_views';
  if (frequency === 'once' && marks.v > 0) return 'once';
  if (frequency === 'session' && marks.s === sessionId) return 'session';
  if (isObject(frequency) && now() - marks.l < frequency.everyMinutes * 60_000) return 'frequency';
  return null;
}

export function markViewed(campaign: CompiledCampaign, sessionId: string): void {
  update(campaign.id, (marks, state) => {
    marks.v++;
    marks.l = now();
    marks.s = sessionId;
    if (campaign.modal) state.modalAt = marks.l;
  });
}

export function markClosed(id: string): void {
  update(id, (marks) => {
    marks.x = 1;
  });
}

export function wasClosed(id: string): boolean {
  return load().campaigns.get(id)?.x === 1;
}

export function markConverted(id: string): void {
  update(id, (marks) => {
    marks.c = 1;
  });
}

/** The visitor gave an email or phone through some campaign (caps with suppressAfterSignup). */
export function markSignup(): void {
  const state = load();
  state.signup = true;
  save(state);
}
