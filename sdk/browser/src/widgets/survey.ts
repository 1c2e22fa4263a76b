import type { Question, WidgetContext, WidgetHandle } from './shared/context.js';
import { add, fill, h } from './shared/dom.js';
import { check, errorLine, FORM_CSS, send } from './shared/form.js';
import { frame, headline } from './shared/frame.js';
import { NEXT, SEND, THANKS, word } from './shared/text.js';

const CSS = `${FORM_CSS}fieldset{border:0;margin:0 0 12px;padding:0;min-width:0}legend{font-weight:600;margin-bottom:8px;padding:0}
.nps{display:flex;flex-wrap:wrap;gap:4px}.nps button{flex:1 0 44px;min-height:44px;border:1px solid #767676;border-radius:var(--r);background:var(--b);color:var(--t);font:inherit;cursor:pointer}
.nps [aria-pressed=true]{background:var(--p);color:var(--o);border-color:var(--p)}
textarea{min-height:88px}.nav{display:flex;justify-content:space-between;align-items:center;gap:8px}.step{font-size:.85em;opacity:.8}`;

type Answer = string | number | string[];

/** One question's controls; `read()` gives its answer (undefined when left blank). */
function questionView(question: Question): { view: HTMLElement; read(): Answer | undefined } {
  const legend = h('legend', { id: 'q' }, question.text);
  if (question.kind === 'text') {
    const area = h('textarea', { 'aria-labelledby': 'q', maxlength: 2000 });
    return { view: h('fieldset', {}, legend, area), read: () => area.value.trim() || undefined };
  }
  if (question.kind === 'nps') {
    let score: number | undefined;
    const buttons = Array.from({ length: 11 }, (_, n) =>
      h(
        'button',
        {
          type: 'button',
          'aria-pressed': 'false',
          click: () => {
            score = n;
            for (const other of buttons) other.setAttribute('aria-pressed', String(other === buttons[n]));
          },
        },
        String(n),
      ),
    );
    return { view: h('fieldset', {}, legend, h('div', { class: 'nps', role: 'group', 'aria-labelledby': 'q' }, ...buttons)), read: () => score };
  }
  const type = question.kind === 'single' ? 'radio' : 'checkbox';
  const boxes = (question.options ?? []).map((option) => check(option, question.id, option, type));
  const read = (): Answer | undefined => {
    const picked = boxes
      .map((box) => box.querySelector('input'))
      .filter((input) => input?.checked)
      .map((input) => input?.value ?? '');
    return picked.length === 0 ? undefined : type === 'radio' ? picked[0] : picked;
  };
  return { view: h('fieldset', {}, legend, ...boxes), read };
}

/**
 * Survey / NPS / quiz: one question per screen (NPS 0-10, single choice, multiple choice, free text), then
 * ctx.submit({ answers }) — the server stores them as traits and a `Survey Answered` event — and a thank-you.
 * A modal dialog when the campaign is modal, else a corner panel.
 */
export default function mount(ctx: WidgetContext): WidgetHandle {
  const { content } = ctx;
  const ui = frame(ctx, ctx.campaign.modal ? 'modal' : 'corner', CSS);
  const questions = content.questions ?? [];
  const answers: Record<string, Answer> = Object.create(null) as Record<string, Answer>;
  const body = h('div');
  add(ui.box, headline(content.headline), body);
  const thanks = (): void => {
    ctx.converted();
    fill(body, h('p', { role: 'status' }, content.capture?.successHeadline ?? word(ctx, THANKS)));
    ui.focusFirst();
  };
  const show = (index: number): void => {
    const question = questions[index];
    if (question === undefined) return;
    const { view, read } = questionView(question);
    const last = index === questions.length - 1;
    const error = errorLine();
    const next = h('button', { type: 'submit', class: 'rp-btn' }, last ? (content.cta ?? word(ctx, SEND)) : word(ctx, NEXT));
    const form = h('form', {}, view, error, h('div', { class: 'nav' }, h('span', { class: 'step' }, `${index + 1} / ${questions.length}`), next));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const answer = read();
      if (answer !== undefined) answers[question.id] = answer;
      if (!last) return show(index + 1);
      if (await send(ctx, error, next, { answers })) thanks();
    });
    fill(body, content.body !== undefined && index === 0 ? h('p', {}, content.body) : null, form);
    if (index > 0) ui.focusFirst();
  };
  show(0);
  return ui.handle;
}
