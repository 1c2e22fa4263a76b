/**
 * The widget side of the on-site contract (/work/wt/_brief/onsite-contract.md): a structural copy of
 * WidgetContext so a widget chunk compiles on its own. The core may import these types or keep its own;
 * structural typing keeps both compatible. `requestPush`, `inbox` and `markInbox` are optional hooks
 * (onsite-notes.md, 2026-12-07) a widget must work without.
 */
import type { Brand, InboxMessage, PushOutcome, Recommendation } from '../../core/types.js';

// The shapes the core already defines, shared rather than restated.
export type { Brand, InboxMessage, Locale, PushOutcome, Recommendation, WidgetHandle } from '../../core/types.js';
export interface Question {
  id: string;
  kind: 'nps' | 'single' | 'multi' | 'text';
  text: string;
  options?: string[];
}

export interface Content {
  headline?: string;
  body?: string;
  cta?: string;
  ctaUrl?: string;
  closeLabel?: string;
  coupon?: { pool: string; tiered?: boolean };
  capture?: { fields: ('email' | 'phone')[]; consentText: string; successHeadline: string; successBody?: string };
  steps?: { headline: string; body?: string; cta: string }[];
  threshold?: number;
  currency?: string;
  progressText?: string;
  reachedText?: string;
  endsAt?: string;
  questions?: Question[];
  strategy?: string;
  count?: number;
  imageUrl?: string;
  imageAlt?: string;
  position?: 'top' | 'bottom' | 'left' | 'right' | 'center';
}

export interface CampaignInfo {
  id: string;
  type: string;
  modal: boolean;
  slot?: string;
  teaserOf?: string;
}

export interface CartState {
  value: number;
  currency: string | null;
  items: number;
}

export interface Reveal {
  code: string | null;
  discount?: { kind: string; value: number };
  reason?: string;
}

export interface WidgetContext {
  root: ShadowRoot;
  host: HTMLElement;
  campaign: CampaignInfo;
  variant: string;
  content: Content;
  locale: string;
  dir: 'ltr' | 'rtl';
  brand: Brand;
  cart(): CartState | null;
  onCart(listener: () => void): () => void;
  reveal(): Promise<Reveal>;
  submit(data: { email?: string; phone?: string; answers?: Record<string, unknown>; consent?: boolean }): Promise<{ ok: boolean; error?: string }>;
  recommendations(strategy: string, count: number): Promise<Recommendation[]>;
  /** `properties` are merged into the Experience Clicked event (e.g. recommendation_id); cores that ignore them still work. */
  clicked(target?: string, properties?: Record<string, string>): void;
  close(): void;
  converted(): void;
  reducedMotion: boolean;
  requestPush?(): Promise<PushOutcome>;
  inbox?(): Promise<{ messages: InboxMessage[]; unread: number }>;
  markInbox?(id: string, state: 'read' | 'dismiss'): Promise<void>;
}
