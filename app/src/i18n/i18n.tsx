import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

/*
 * English, Arabic (right to left) and Japanese. Each screen keeps its own messages beside it
 * (`defineMessages`), so the three languages of one screen are read and changed together and
 * TypeScript refuses a screen whose Arabic or Japanese lacks a key its English has. Numbers,
 * money, percentages and dates go through Intl with the chosen locale.
 */

export const LOCALES = ['en', 'ar', 'ja'] as const;
export type Locale = (typeof LOCALES)[number];
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', ar: 'العربية', ja: '日本語' };
const STORAGE_KEY = 'rapport.locale';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export interface MessageSet<K extends string> {
  en: Record<K, string>;
  ar: Record<K, string>;
  ja: Record<K, string>;
}

/** A screen's messages in the three languages; `{name}` placeholders are filled by `t(key, { name })`. */
export function defineMessages<K extends string>(messages: MessageSet<K>): MessageSet<K> {
  return messages;
}

export type Vars = Record<string, string | number>;
export type Translate<K extends string> = (key: K, vars?: Vars) => string;

function fill(text: string, vars: Vars | undefined): string {
  if (vars === undefined) return text;
  return text.replace(/\{(\w+)\}/g, (match, name: string) => (Object.hasOwn(vars, name) ? String(vars[name]) : match));
}

interface LocaleState {
  locale: Locale;
  setLocale(locale: Locale): void;
}

const LocaleContext = createContext<LocaleState>({ locale: 'en', setLocale: () => undefined });

function initialLocale(): Locale {
  const fromUrl = new URLSearchParams(window.location.search).get('lang');
  if (isLocale(fromUrl)) return fromUrl;
  const stored = window.localStorage.getItem(STORAGE_KEY);
  if (isLocale(stored)) return stored;
  const browser = navigator.language.slice(0, 2);
  return isLocale(browser) ? browser : 'en';
}

export function LocaleProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((next: Locale) => {
    window.localStorage.setItem(STORAGE_KEY, next);
    setLocaleState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = locale;
    document.documentElement.dir = locale === 'ar' ? 'rtl' : 'ltr';
  }, [locale]);
  const value = useMemo(() => ({ locale, setLocale }), [locale, setLocale]);
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
}

export function useLocale(): LocaleState {
  return useContext(LocaleContext);
}

/** `t(key, vars)` for one screen's messages in the current locale. */
export function useT<K extends string>(messages: MessageSet<K>): Translate<K> {
  const { locale } = useLocale();
  return useCallback((key: K, vars?: Vars) => fill(messages[locale][key] ?? messages.en[key], vars), [messages, locale]);
}

export interface Format {
  locale: Locale;
  number(value: number, digits?: number): string;
  compact(value: number): string;
  money(value: number, currency?: string): string;
  percent(ratio: number, digits?: number): string;
  date(ms: number | string): string;
  dateTime(ms: number | string): string;
  relative(ms: number | string): string;
}

const intlCache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(key: string, make: () => T): T {
  let value = intlCache.get(key) as T | undefined;
  if (value === undefined) {
    value = make();
    intlCache.set(key, value);
  }
  return value;
}

const toMs = (value: number | string) => (typeof value === 'number' ? value : Date.parse(value));

/** Formatters for a locale (outside React: tests, CSV). */
export function formatFor(locale: Locale): Format {
  const number = (digits: number) => cached(`n:${locale}:${digits}`, () => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }));
  return {
    locale,
    number: (value, digits = 0) => (Number.isFinite(value) ? number(digits).format(value) : '—'),
    compact: (value) => (Number.isFinite(value) ? cached(`c:${locale}`, () => new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 })).format(value) : '—'),
    money: (value, currency = 'USD') =>
      Number.isFinite(value) ? cached(`m:${locale}:${currency}`, () => new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 2 })).format(value) : '—',
    percent: (ratio, digits = 1) =>
      Number.isFinite(ratio) ? cached(`p:${locale}:${digits}`, () => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: digits })).format(ratio) : '—',
    date: (value) => {
      const ms = toMs(value);
      return Number.isFinite(ms) ? cached(`d:${locale}`, () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium' })).format(ms) : '—';
    },
    dateTime: (value) => {
      const ms = toMs(value);
      return Number.isFinite(ms) ? cached(`dt:${locale}`, () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })).format(ms) : '—';
    },
    relative: (value) => {
      const ms = toMs(value);
      if (!Number.isFinite(ms)) return '—';
      const seconds = Math.round((ms - Date.now()) / 1000);
      const rtf = cached(`r:${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
      const units: [Intl.RelativeTimeFormatUnit, number][] = [
        ['day', 86_400],
        ['hour', 3_600],
        ['minute', 60],
      ];
      for (const [unit, size] of units) if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
      return rtf.format(seconds, 'second');
    },
  };
}

export function useFormat(): Format {
  const { locale } = useLocale();
  return useMemo(() => formatFor(locale), [locale]);
}
