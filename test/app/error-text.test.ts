import { describe, expect, it } from 'vitest';
import { errorMessages, errorText } from '../../app/src/i18n/errors.js';
import { domainErrors, errorTypes } from '../../src/shared/errors.js';

/* The app's translations of the API's error codes: every code it translates is one the server has, and the fallbacks hold. */

describe('error text', () => {
  it('translates only codes the server registers, in every language', () => {
    const known = new Set([...Object.keys(errorTypes), ...Object.keys(domainErrors)]);
    const keys = Object.keys(errorMessages.en);
    expect(keys.filter((key) => !known.has(key))).toEqual([]);
    expect(Object.keys(errorMessages.ar).sort()).toEqual([...keys].sort());
    expect(Object.keys(errorMessages.ja).sort()).toEqual([...keys].sort());
  });

  it('keeps the server message in English, translates by code then by class, and falls back to the server', () => {
    const conflict = { code: 'template.edit_conflict', type: 'conflict', message: 'template t was saved by someone else' };
    expect(errorText('en', conflict)).toEqual({ text: 'template t was saved by someone else' });
    expect(errorText('ja', conflict)).toEqual({ text: errorMessages.ja['template.edit_conflict'], detail: conflict.message });
    const byClass = { code: 'segment.cycle', type: 'invalid_request', message: 'segments refer to each other' };
    expect(errorText('ar', byClass)).toEqual({ text: errorMessages.ar.invalid_request, detail: byClass.message });
    expect(errorText('ar', { code: 'http_502', message: '502 Bad Gateway' })).toEqual({ text: '502 Bad Gateway' });
    expect(errorText('ja', { code: '__proto__', type: 'constructor', message: 'odd' })).toEqual({ text: 'odd' });
  });
});
