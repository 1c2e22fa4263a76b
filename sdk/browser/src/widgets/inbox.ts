import type { InboxMessage, WidgetContext, WidgetHandle } from './shared/context.js';
import { add, fill, h, safeUrl } from './shared/dom.js';
import { frame, headline } from './shared/frame.js';
import { DISMISS, EMPTY, INBOX, word } from './shared/text.js';

const CSS = `ul{list-style:none;margin:0;padding:0}
li{position:relative;padding-block:10px;padding-inline:0 48px;border-top:1px solid #0002}
li.new{font-weight:600}li.new::before{content:"";position:absolute;top:18px;inset-inline-start:-12px;width:8px;height:8px;border-radius:50%;background:var(--p)}
li a,li .t{display:block;min-height:44px;color:inherit}
li p{margin:2px 0;font-weight:400}time{font-size:.8em;opacity:.8}
li button{position:absolute;top:6px;inset-inline-end:0;width:44px;height:44px;border:0;background:none;color:inherit;font-size:20px;cursor:pointer}`;

/** One message: title (a link when it has a URL; opening it marks it read), body, date and a dismiss button. */
function item(ctx: WidgetContext, message: InboxMessage): HTMLElement {
  const href = safeUrl(message.url);
  const title =
    href === undefined
      ? h('span', { class: 't', dir: 'auto' }, message.title)
      : h(
          'a',
          {
            href,
            dir: 'auto',
            click: () => {
              ctx.clicked('inbox');
              void ctx.markInbox?.(message.id, 'read');
            },
          },
          message.title,
        );
  const when = new Date(message.createdAt);
  const row: HTMLElement = h(
    'li',
    { class: message.read ? '' : 'new' },
    title,
    h('p', { dir: 'auto' }, message.body),
    Number.isNaN(when.getTime()) ? null : h('time', { datetime: message.createdAt }, new Intl.DateTimeFormat(ctx.locale, { dateStyle: 'medium' }).format(when)),
    h(
      'button',
      {
        type: 'button',
        'aria-label': `${word(ctx, DISMISS)}: ${message.title}`,
        click: () => {
          void ctx.markInbox?.(message.id, 'dismiss');
          row.remove();
        },
      },
      '×',
    ),
  );
  return row;
}

/** Inbox: the visitor's in-app messages from the channels module (GET /v1/inbox through ctx.inbox), newest first. */
export default function mount(ctx: WidgetContext): WidgetHandle {
  const ui = frame(ctx, 'corner', CSS);
  const list = h('ul', { 'aria-labelledby': 'h' });
  const empty = h('p', {}, ctx.content.body ?? word(ctx, EMPTY));
  add(ui.box, headline(ctx.content.headline ?? word(ctx, INBOX)), list);
  // Shown once the messages are in: a fixed panel that grew upwards after appearing would count as a layout shift.
  ui.box.hidden = true;
  const load = ctx.inbox?.() ?? Promise.resolve({ messages: [], unread: 0 });
  load
    .then(
      ({ messages }) => (messages.length === 0 ? add(ui.box, empty) : fill(list, ...messages.map((message) => item(ctx, message)))),
      () => add(ui.box, empty),
    )
    .finally(() => (ui.box.hidden = false));
  return ui.handle;
}
