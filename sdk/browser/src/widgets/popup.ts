import type { WidgetContext, WidgetHandle } from './shared/context.js';
import { couponView, revealCode } from './shared/coupon.js';
import { add, fill, h, safeUrl } from './shared/dom.js';
import { check, errorLine, field, FORM_CSS, send } from './shared/form.js';
import { button, cta, frame, headline } from './shared/frame.js';
import { EMAIL, PHONE, SEND, THANKS, word } from './shared/text.js';

const CSS = `${FORM_CSS}.hero{display:block;width:calc(100% + 40px);margin:-20px -20px 16px;max-height:200px;object-fit:cover;border-radius:var(--r) var(--r) 0 0}.go{width:100%;margin-top:6px}`;

/** The capture form: the fields the campaign asks for, its consent sentence, and a submit that identifies the visitor. */
function captureForm(ctx: WidgetContext, onDone: () => void): HTMLFormElement {
  const capture = ctx.content.capture;
  const fields = capture?.fields ?? ['email'];
  const inputs = new Map(
    fields.map((kind) => [
      kind,
      h(
        'input',
        kind === 'email'
          ? { type: 'email', name: 'email', autocomplete: 'email', required: true }
          : { type: 'tel', name: 'phone', autocomplete: 'tel', required: true, pattern: '\\+?[0-9 ().-]{6,20}' },
      ),
    ]),
  );
  const consent = check(capture?.consentText ?? '', 'consent');
  const error = errorLine();
  const submit = h('button', { type: 'submit', class: 'rp-btn go' }, ctx.content.cta ?? word(ctx, SEND));
  const form = h('form', {}, ...[...inputs].map(([kind, input]) => field(word(ctx, kind === 'email' ? EMAIL : PHONE), input)), capture?.consentText ? consent : null, error, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const value = (kind: 'email' | 'phone'): string | undefined => inputs.get(kind)?.value.trim() || undefined;
    const agreed = consent.querySelector('input')?.checked ?? false;
    if (await send(ctx, error, submit, { email: value('email'), phone: value('phone'), consent: agreed })) onDone();
  });
  return form;
}

/**
 * Popup: a modal with optional intro steps, then the offer with an email/SMS capture form (consent sentence
 * beside it) or a call to action, then a success step that shows the coupon code when the campaign has one.
 */
export default function mount(ctx: WidgetContext): WidgetHandle {
  const { content } = ctx;
  const ui = frame(ctx, 'modal', CSS);
  const body = h('div');
  add(ui.box, body);
  const show = (...children: (Node | null)[]): void => {
    fill(body, ...children);
    ui.focusFirst();
  };
  const success = async (): Promise<void> => {
    ctx.converted();
    const code = content.coupon === undefined ? null : couponView(ctx, await revealCode(ctx));
    show(headline(content.capture?.successHeadline ?? word(ctx, THANKS)), content.capture?.successBody === undefined ? null : h('p', {}, content.capture.successBody), code);
  };
  const offer = (): void => {
    const src = safeUrl(content.imageUrl);
    show(
      src === undefined ? null : h('img', { class: 'hero', src, alt: content.imageAlt ?? '' }),
      headline(content.headline),
      content.body === undefined ? null : h('p', {}, content.body),
      content.capture === undefined ? cta(ctx, () => ctx.close()) : captureForm(ctx, () => void success()),
    );
  };
  const step = (index: number): void => {
    const current = content.steps?.[index];
    if (current === undefined) return offer();
    show(
      headline(current.headline),
      current.body === undefined ? null : h('p', {}, current.body),
      button(current.cta, () => {
        ctx.clicked(`step${index + 1}`);
        step(index + 1);
      }),
    );
  };
  step(0);
  return ui.handle;
}
