import type { WidgetContext } from './context.js';
import { h } from './dom.js';
import { FAILED, word } from './text.js';

/** A labelled text field (email, phone or free text) at least 44 px tall. */
export function field(label: string, input: HTMLInputElement | HTMLTextAreaElement): HTMLElement {
  return h('label', { class: 'fld' }, h('span', {}, label), input);
}

/** A checkbox whose whole label row (>= 44 px) is the touch target. */
export function check(label: string, name: string, value = 'yes', type: 'checkbox' | 'radio' = 'checkbox'): HTMLLabelElement {
  return h('label', { class: 'chk' }, h('input', { type, name, value }), h('span', {}, label));
}

/** The form's error line, announced when it changes. */
export function errorLine(): HTMLElement {
  return h('p', { class: 'err', role: 'alert' });
}

/** Runs a submit and shows the failure sentence in `error` when it does not succeed; true on success. */
export async function send(ctx: WidgetContext, error: HTMLElement, submitButton: HTMLButtonElement, data: Parameters<WidgetContext['submit']>[0]): Promise<boolean> {
  submitButton.disabled = true;
  error.textContent = '';
  try {
    const result = await ctx.submit(data);
    if (result.ok) return true;
    error.textContent = result.error ?? word(ctx, FAILED);
  } catch {
    error.textContent = word(ctx, FAILED);
  }
  submitButton.disabled = false;
  return false;
}

export const FORM_CSS = '.fld{display:block;margin:0 0 10px}.fld span{display:block;font-size:.9em;margin-bottom:4px}.chk{font-size:.85em}.err:empty{display:none}';
