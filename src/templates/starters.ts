import type { Template, TemplateSource } from './template.js';

/*
 * Starter templates for the journey recipes and on-site copy. Every personal value has a
 * fallback (`default`), so a profile without a first name or an empty cart still reads well.
 * Email bodies share one responsive MJML layout.
 */

export interface StarterTemplate {
  key: string;
  name: string;
  channel: Template['channel'];
  description: string;
  source: TemplateSource;
}

/*
 * Liquid between MJML components is dropped by the MJML compiler, so a block that must vanish
 * when its data is missing is wrapped in `mj-raw` tags holding the `if`: the whole row goes.
 * MJML checks colour attributes at save, so brand colours reach the HTML through inline styles
 * inside `mj-text` and one `mj-style` block, never through MJML attributes.
 */

/** A block shown only when the Liquid condition holds. */
function when(condition: string, block: string): string {
  return `        <mj-raw>{% if ${condition} %}</mj-raw>\n${block}\n        <mj-raw>{% endif %}</mj-raw>`;
}

/** A button to a Liquid URL expression (filters allowed); the row vanishes when the URL is missing. */
function button(href: string, label: string): string {
  return `        <mj-raw>{% assign button_url = ${href} %}{% if button_url %}</mj-raw>
        <mj-text align="center" padding="16px 24px"><a href="{{ button_url }}" style="display:inline-block;background-color:{{ brand.colors.primary | default: '#2f6fed' }};color:#ffffff;font-size:16px;font-weight:bold;line-height:20px;padding:12px 28px;border-radius:6px;text-decoration:none">${label}</a></mj-text>
        <mj-raw>{% endif %}</mj-raw>`;
}

function heading(text: string, align: 'left' | 'center' = 'left'): string {
  return `        <mj-text font-size="22px" line-height="30px" align="${align}" padding="8px 24px"><strong>${text}</strong></mj-text>`;
}

function para(text: string, align: 'left' | 'center' = 'left'): string {
  return `        <mj-text align="${align}">${text}</mj-text>`;
}

interface LayoutOptions {
  lang?: string;
  dir?: 'ltr' | 'rtl';
  /** Why the person receives this (before the brand's address and the unsubscribe link). */
  footer?: string;
  unsubscribe?: string;
}

function layout(inner: string, options: LayoutOptions = {}): string {
  const footer = options.footer ?? 'You receive this because you shop with {{ brand.name | default: "us" }}.';
  const unsubscribe = options.unsubscribe ?? 'Unsubscribe or choose what you receive';
  return `<mjml lang="${options.lang ?? 'en'}" dir="${options.dir ?? 'ltr'}">
  <mj-head>
    <mj-attributes>
      <mj-all font-family="Helvetica, Arial, sans-serif" />
      <mj-text font-size="16px" line-height="24px" color="#1f2933" padding="8px 24px" css-class="rp-text" />
    </mj-attributes>
    <mj-style>
      body, .rp-body { background-color: {{ brand.colors.background | default: '#f5f7fa' }} !important; }
      .rp-text div { color: {{ brand.colors.text | default: '#1f2933' }} !important; }
      .rp-text a { color: {{ brand.colors.primary | default: '#2f6fed' }}; }
      .rp-footer div, .rp-footer a { color: #7b8794 !important; }
    </mj-style>
    <mj-preview>{{ preview | default: brand.name }}</mj-preview>
  </mj-head>
  <mj-body background-color="#f5f7fa" css-class="rp-body">
    <mj-section padding="20px 0 8px">
      <mj-column>
        <mj-text align="center" padding="0 24px">{% if brand.url %}<a href="{{ brand.url }}" style="text-decoration:none">{% endif %}{% if brand.logo_url %}<img src="{{ brand.logo_url }}" alt="{{ brand.name | default: 'Our shop' }}" height="40" style="height:40px;width:auto;max-width:220px;border:0;display:inline-block" />{% else %}<span style="font-size:20px;font-weight:bold;letter-spacing:.5px">{{ brand.name | default: "Our shop" }}</span>{% endif %}{% if brand.url %}</a>{% endif %}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="20px 0" border-radius="8px">
      <mj-column>
${inner}
      </mj-column>
    </mj-section>
    <mj-section padding="12px 0 24px">
      <mj-column>
        <mj-text font-size="12px" line-height="18px" color="#7b8794" align="center" css-class="rp-footer">${footer}{% if brand.postal_address %}<br />{{ brand.name }}, {{ brand.postal_address }}{% endif %}{% if unsubscribe_url %}<br /><a href="{{ unsubscribe_url }}" style="color:#7b8794">${unsubscribe}</a>{% endif %}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}

/** The cart's items with their picture, name, quantity and price; gone when the cart is empty. */
const productRows = when(
  'cart.items.size > 0',
  `        <mj-text>{% for item in cart.items limit: 4 %}{% assign product = item.id | product %}{% assign label = item.name | default: product.name | default: "Your item" %}<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 12px"><tr>{% if product.image_url %}<td width="76" style="width:76px;padding:0 12px 0 0;vertical-align:top"><img src="{{ product.image_url }}" alt="{{ label }}" width="64" height="64" style="display:block;width:64px;height:64px;border-radius:6px;border:0;object-fit:cover" /></td>{% endif %}<td style="vertical-align:top"><strong>{{ label }}</strong><br />× {{ item.qty | default: 1 }}{% if item.price %} · {{ item.price | money: product.currency }}{% endif %}</td></tr></table>{% endfor %}</mj-text>`,
);

/** Words of the coupon block per language. */
interface CouponWords {
  withCode: string;
  yourCode: string;
  validUntil: string;
  dateFormat: string;
}
const english: CouponWords = { withCode: 'with code', yourCode: 'Your code:', validUntil: 'Valid until', dateFormat: '%B %e' };

/** The personal code, its offer and expiry; gone without a coupon. */
function couponOf(words: CouponWords): string {
  return when(
    'coupon.code',
    `        <mj-text align="center" font-size="18px" padding="12px 24px"><div style="border:2px dashed {{ brand.colors.primary | default: '#2f6fed' }};border-radius:8px;padding:12px">{% if coupon.description %}<strong>{{ coupon.description }}</strong> ${words.withCode}{% else %}${words.yourCode}{% endif %}<br /><span style="font-family:Menlo,Consolas,monospace;font-size:22px;letter-spacing:2px">{{ coupon.code }}</span>{% if coupon.expires_at %}<br /><span style="font-size:13px;color:#7b8794">${words.validUntil} {{ coupon.expires_at | date: "${words.dateFormat}" }}</span>{% endif %}</div></mj-text>`,
  );
}
const couponBlock = couponOf(english);

/** Recommended products with pictures; gone when the slot returns nothing. */
function picks(count: number, title = 'Picked for you'): string {
  return `        <mj-raw>{% assign picks = 'email_picks' | recommendations: ${count} %}{% if picks.size > 0 %}</mj-raw>
        <mj-text padding="16px 24px 4px"><strong>${title}</strong></mj-text>
        <mj-text>{% for pick in picks %}<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 10px"><tr>{% if pick.image_url %}<td width="76" style="width:76px;padding:0 12px 0 0;vertical-align:top"><img src="{{ pick.image_url }}" alt="{{ pick.name }}" width="64" height="64" style="display:block;width:64px;height:64px;border-radius:6px;border:0;object-fit:cover" /></td>{% endif %}<td style="vertical-align:top">{% if pick.url %}<a href="{{ pick.url }}">{{ pick.name }}</a>{% else %}{{ pick.name }}{% endif %}{% if pick.price %}<br />{{ pick.price | money: pick.currency }}{% endif %}</td></tr></table>{% endfor %}</mj-text>
        <mj-raw>{% endif %}</mj-raw>`;
}

/** The event's product as a picture with its name as alt text; gone when the catalog has no image. */
const productHero = when(
  'product.image_url',
  `        <mj-text align="center"><img src="{{ product.image_url }}" alt="{{ product.name | default: event.name }}" width="280" style="width:280px;max-width:100%;height:auto;border-radius:8px;border:0" /></mj-text>`,
);

/** Assigns `product` from the event's product id (a Liquid-only row, so later blocks can test it). */
const eventProduct = `        <mj-raw>{% assign product = event.product_id | product %}</mj-raw>`;

export const starterTemplates: StarterTemplate[] = [
  {
    key: 'cart_reminder',
    name: 'Cart reminder',
    channel: 'email',
    description: 'Abandoned cart: what they left, a button back, optional coupon and picks',
    source: {
      default: {
        format: 'mjml',
        subject: '{{ profile.first_name | default: "Hi" }}, your cart is waiting',
        body: layout(`${heading('Still thinking it over{% if profile.first_name %}, {{ profile.first_name }}{% endif %}?')}
${para('You left these in your cart. We kept them for you.')}
${productRows}
${couponBlock}
${button('cart_url', 'Back to my cart')}
${picks(3)}`),
      },
      locales: {
        fr: {
          format: 'mjml',
          subject: '{{ profile.first_name | default: "Bonjour" }}, votre panier vous attend',
          body: layout(
            `${heading('Vous hésitez encore{% if profile.first_name %}, {{ profile.first_name }}{% endif %} ?')}
${para('Vous avez laissé ces articles dans votre panier. Nous les avons gardés pour vous.')}
${productRows}
${couponOf({ withCode: 'avec le code', yourCode: 'Votre code :', validUntil: 'Valable jusqu’au', dateFormat: '%d/%m/%Y' })}
${button('cart_url', 'Retourner au panier')}`,
            { lang: 'fr', footer: 'Vous recevez ce message parce que vous êtes client de {{ brand.name | default: "notre boutique" }}.', unsubscribe: 'Se désabonner ou choisir ce que vous recevez' },
          ),
        },
      },
    },
  },
  {
    key: 'coupon',
    name: 'Personal coupon',
    channel: 'email',
    description: 'A personal single-use code (tiered by value or a mystery draw)',
    source: {
      default: {
        format: 'mjml',
        subject: '{% if profile.first_name %}{{ profile.first_name }}, a{% else %}A{% endif %} gift: {{ coupon.description | default: "a little something" }} for you',
        body: layout(`${heading('A little thank you{% if profile.first_name %}, {{ profile.first_name }}{% endif %}')}
${para('Here is a code just for you. It works once, on anything in the shop.')}
${couponBlock}
${button('shop_url', 'Start shopping')}
${picks(3)}`),
      },
    },
  },
  {
    key: 'price_drop',
    name: 'Price drop',
    channel: 'email',
    description: 'A product they viewed got cheaper (triggered by Price Dropped)',
    source: {
      default: {
        format: 'mjml',
        subject: 'Good news: {{ event.name | default: "something you liked" }}{% if event.price %} is now {{ event.price | money: event.currency }}{% else %} costs less now{% endif %}',
        body: layout(`${eventProduct}
${heading('The price just dropped')}
${productHero}
${para('<strong>{{ product.name | default: event.name | default: "The item you liked" }}</strong>{% if event.price %}<br />Now {{ event.price | money: event.currency }}{% if event.previous_price %}, was <s>{{ event.previous_price | money: event.currency }}</s>{% endif %}{% endif %}')}
${button('product.url | default: shop_url', 'See it now')}`),
      },
    },
  },
  {
    key: 'back_in_stock',
    name: 'Back in stock',
    channel: 'email',
    description: 'A product they wanted is available again (triggered by Back In Stock)',
    source: {
      default: {
        format: 'mjml',
        subject: "It's back: {{ event.name | default: 'the item you wanted' }}",
        body: layout(`${eventProduct}
${heading('{{ product.name | default: event.name | default: "Your item" }} is back in stock')}
${productHero}
${para('Popular items go fast: this one sold out before.')}
${button('product.url | default: shop_url', "Get it before it's gone")}`),
      },
    },
  },
  {
    key: 'birthday',
    name: 'Birthday',
    channel: 'email',
    description: 'Birthday greeting with a gift code',
    source: {
      default: {
        format: 'mjml',
        subject: 'Happy birthday{% if profile.first_name %}, {{ profile.first_name }}{% endif %}! 🎂',
        body: layout(`${heading('Happy birthday{% if profile.first_name %}, {{ profile.first_name }}{% endif %}!', 'center')}
${para('To celebrate, a present from all of us.', 'center')}
${couponBlock}
${button('shop_url', 'Treat yourself')}`),
      },
    },
  },
  {
    key: 'win_back',
    name: 'Win-back',
    channel: 'email',
    description: 'Dormant customers: a surprise in the next order before they drift away',
    source: {
      default: {
        format: 'mjml',
        subject: 'We miss you{% if profile.first_name %}, {{ profile.first_name }}{% endif %}: a surprise is waiting',
        body: layout(`${heading("It's been a while")}
${para("{% if profile.computed.orders > 0 %}Thank you for your {{ profile.computed.orders }} order{% if profile.computed.orders > 1 %}s{% endif %} so far. {% endif %}We have new things we think you'll love, and a surprise for your next order.")}
${couponBlock}
${picks(3, 'New since your last visit')}
${button('shop_url', "See what's new")}`),
      },
    },
  },
  {
    key: 'order_follow_up',
    name: 'Order follow-up',
    channel: 'email',
    description: 'After an order: a thank you, a review request and what goes with it',
    source: {
      default: {
        format: 'mjml',
        subject: 'How is your order{% if profile.first_name %}, {{ profile.first_name }}{% endif %}?',
        body: layout(`${heading('Thank you for your order')}
${para('We hope you love it.{% assign survey = review_url | default: shop_url %}{% if survey %} How likely are you to recommend us to a friend?{% endif %}')}
${when(
  'survey',
  `        <mj-text align="center">{% for score in (0..10) %}<a href="{{ survey }}?nps={{ score }}" style="display:inline-block;min-width:14px;padding:6px 8px;margin:2px;border:1px solid #d9e2ec;border-radius:4px;text-decoration:none">{{ score }}</a>{% endfor %}</mj-text>`,
)}
${picks(3, 'Goes well with your order')}`),
      },
    },
  },
  {
    key: 'cart_reminder_sms',
    name: 'Cart reminder (SMS)',
    channel: 'sms',
    description: 'Short cart reminder, fits one GSM-7 segment with a code',
    source: {
      default: {
        body: '{{ profile.first_name | default: "Hi" }}, your cart is waiting{% if coupon %}: {{ coupon.description }} with {{ coupon.code }}{% endif %}.{% assign link = cart_url | default: shop_url %}{% if link %} {{ link }}{% endif %} Reply STOP to opt out',
      },
    },
  },
  {
    key: 'cart_reminder_push',
    name: 'Cart reminder (push)',
    channel: 'push',
    description: 'Web push nudge back to the cart',
    source: {
      default: {
        title: 'Your cart misses you',
        body: '{% if cart.items.size > 0 %}{{ cart.items.first.name }}{% if cart.items.size > 1 %} and {{ cart.items.size | minus: 1 }} more{% endif %} still in your cart{% else %}Your picks are still waiting{% endif %}',
        url: '{{ cart_url | default: shop_url | default: "/" }}',
      },
    },
  },
  {
    key: 'hello_bar_free_shipping',
    name: 'Hello bar: free shipping',
    channel: 'inbox',
    description: 'On-site hello bar copy for new visitors (free shipping threshold)',
    source: {
      default: {
        title: 'Free shipping on orders over {{ threshold | default: 50 | money: currency }}',
        body: 'Welcome! Orders over {{ threshold | default: 50 | money: currency }} ship free.',
        url: '{{ shop_url | default: "/" }}',
      },
    },
  },
  {
    key: 'popup_exit_intent',
    name: 'Popup: exit intent',
    channel: 'inbox',
    description: 'Exit-intent popup copy: a fixed amount converts better than a percentage',
    source: {
      default: {
        title: 'Wait{% if profile.first_name %}, {{ profile.first_name }}{% endif %}! {{ coupon.description | default: "$10 off" }} your first order',
        body: 'Leave your email and we will send your code{% if coupon %}: {{ coupon.code }}{% endif %}. No spam, unsubscribe anytime.',
        url: '{{ shop_url | default: "/" }}',
      },
    },
  },
  {
    key: 'double_opt_in',
    name: 'Confirm your subscription',
    channel: 'email',
    description: 'Double opt-in confirmation (needs confirm_url, filled by the double opt-in request)',
    source: {
      default: {
        format: 'mjml',
        subject: 'Please confirm your subscription',
        body: layout(`${heading('One more step')}
${para('Tap the button to confirm you want our emails. If you did not sign up, ignore this message.')}
${button('confirm_url', 'Yes, subscribe me')}`),
      },
    },
  },
  // --- starters for the journey recipes (src/journeys/recipes.ts); in journeys `event` holds the trigger's properties ---
  {
    key: 'cart_coupon',
    name: 'Cart coupon',
    channel: 'email',
    description: 'Abandoned cart, second message: the cart with a personal code',
    source: {
      default: {
        format: 'mjml',
        subject: '{% if coupon.description %}{{ coupon.description }} on your cart{% else %}Your cart is still here{% endif %}{% if profile.first_name %}, {{ profile.first_name }}{% endif %}',
        body: layout(`${heading('A little push{% if profile.first_name %}, {{ profile.first_name }}{% endif %}')}
${para('Your cart is saved.{% if coupon.code %} Here is something to make the decision easier.{% endif %}')}
${productRows}
${couponBlock}
${button('cart_url', '{% if coupon.code %}Use my code{% else %}Back to my cart{% endif %}')}`),
      },
    },
  },
  {
    key: 'cart_flash_sale',
    name: 'Cart: last chance',
    channel: 'email',
    description: 'Abandoned cart, last message: scarcity, items may sell out',
    source: {
      default: {
        format: 'mjml',
        subject: 'Last chance: {% if cart.items.size > 0 %}{{ cart.items.first.name | default: "your cart" }}{% else %}your cart{% endif %} may sell out',
        body: layout(`${heading('Going, going...')}
${para('Items in carts are not reserved, and these are popular. We would hate for you to miss them.')}
${productRows}
${button('cart_url', 'Check out now')}`),
      },
    },
  },
  {
    key: 'browse_nudge',
    name: 'Browse nudge',
    channel: 'email',
    description: 'Browse abandonment: the product they looked at, and similar picks',
    source: {
      default: {
        format: 'mjml',
        subject: '{% assign product = event.product_id | product %}Still thinking about {{ product.name | default: event.name | default: "it" }}?',
        body: layout(`${eventProduct}
${heading('Caught your eye?')}
${productHero}
${para('<strong>{{ product.name | default: event.name | default: "The item you viewed" }}</strong>{% if product.price %} · {{ product.price | money: product.currency }}{% endif %}')}
${button('product.url | default: shop_url', 'Take another look')}
${picks(3, 'You may also like')}`),
      },
    },
  },
  {
    key: 'welcome',
    name: 'Welcome',
    channel: 'email',
    description: 'Welcome series, first message: hello and what to expect',
    source: {
      default: {
        format: 'mjml',
        subject: 'Welcome{% if profile.first_name %}, {{ profile.first_name }}{% endif %}!',
        body: layout(`${heading('Welcome{% if profile.first_name %}, {{ profile.first_name }}{% endif %}!')}
${para('Thanks for joining us. Expect first looks at new arrivals, tips on getting the most from what you buy, and the occasional member-only offer. No more than a couple of emails a week.')}
${button('shop_url', 'Have a look around')}`),
      },
    },
  },
  {
    key: 'welcome_incentive',
    name: 'Welcome: first order offer',
    channel: 'email',
    description: 'Welcome series: a personal code for the first order',
    source: {
      default: {
        format: 'mjml',
        subject: '{% if coupon.description %}{{ coupon.description }} your first order{% else %}A welcome gift{% endif %}{% if profile.first_name %}, {{ profile.first_name }}{% endif %}',
        body: layout(`${heading('A welcome gift')}
${para('Ready for your first order?{% if coupon.code %} This code is yours alone and works once.{% endif %}')}
${couponBlock}
${button('shop_url', 'Start shopping')}`),
      },
    },
  },
  {
    key: 'welcome_bestsellers',
    name: 'Welcome: best sellers',
    channel: 'email',
    description: 'Welcome series, last message: what other customers love',
    source: {
      default: {
        format: 'mjml',
        subject: "Our customers' favourites{% if profile.first_name %}, picked for {{ profile.first_name }}{% endif %}",
        body: layout(`${heading('The ones people come back for')}
${para('Not sure where to start? Our best sellers are the pieces customers buy again and again.')}
${picks(4, 'We think you will love these')}
${button('shop_url', 'See all best sellers')}`),
      },
    },
  },
  {
    key: 'anniversary',
    name: 'Customer anniversary',
    channel: 'email',
    description: 'A year since the first order: a thank-you',
    source: {
      default: {
        format: 'mjml',
        subject: 'One year together{% if profile.first_name %}, {{ profile.first_name }}{% endif %}',
        body: layout(`${heading('Happy anniversary!', 'center')}
${para('A year ago you placed your first order with us{% if profile.computed.orders > 1 %}, and {{ profile.computed.orders }} orders later you are still here{% endif %}. Thank you for being part of the story.', 'center')}
${couponBlock}
${button('shop_url', "See what's new")}`),
      },
    },
  },
  {
    key: 'replenishment',
    name: 'Replenishment reminder',
    channel: 'email',
    description: 'Time to reorder what usually runs out about now',
    source: {
      default: {
        format: 'mjml',
        subject: 'Running low{% if profile.first_name %}, {{ profile.first_name }}{% endif %}?',
        body: layout(`${heading('Time for a top-up?')}
${para('Based on your last order, you may be running out soon.{% if event.products.size > 0 %} Reorder in a click:{% endif %}')}
${when(
  'event.products.size > 0',
  `        <mj-text>{% for item in event.products limit: 4 %}{% assign product = item.product_id | product %}{% assign label = item.name | default: product.name | default: "Your item" %}<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 10px"><tr>{% if product.image_url %}<td width="76" style="width:76px;padding:0 12px 0 0;vertical-align:top"><img src="{{ product.image_url }}" alt="{{ label }}" width="64" height="64" style="display:block;width:64px;height:64px;border-radius:6px;border:0;object-fit:cover" /></td>{% endif %}<td style="vertical-align:top">{% if product.url %}<a href="{{ product.url }}"><strong>{{ label }}</strong></a>{% else %}<strong>{{ label }}</strong>{% endif %}</td></tr></table>{% endfor %}</mj-text>`,
)}
${button('shop_url', 'Reorder')}`),
      },
    },
  },
  {
    key: 'post_purchase_checkin',
    name: 'Post-purchase check-in',
    channel: 'email',
    description: 'A few days after an order: did it arrive, can we help',
    source: {
      default: {
        format: 'mjml',
        subject: 'Did your order arrive safely{% if profile.first_name %}, {{ profile.first_name }}{% endif %}?',
        body: layout(`${heading('Just checking in')}
${para('Your order{% if event.order_id %} {{ event.order_id }}{% endif %} should be with you by now. If anything is missing, damaged or not quite right, reply to this email and we will sort it out.')}
${button('shop_url', 'Visit the shop')}`),
      },
    },
  },
  {
    key: 'review_request',
    name: 'Review request',
    channel: 'email',
    description: 'A week after the check-in: ask for a review of what they bought',
    source: {
      default: {
        format: 'mjml',
        subject: 'How are you getting on with {% if event.products.size > 0 %}{{ event.products.first.name | default: "your order" }}{% else %}your order{% endif %}?',
        body: layout(`${heading('Tell us what you think')}
${para('A short review helps other shoppers choose, and helps us make things better. It takes a minute.')}
${when('event.products.size > 0', `        <mj-text>{% for item in event.products limit: 3 %}<strong>{{ item.name | default: "Your item" }}</strong><br />{% endfor %}</mj-text>`)}
${button('review_url | default: shop_url', 'Write a review')}`),
      },
    },
  },
  {
    key: 'win_back_last_call',
    name: 'Win-back: last call',
    channel: 'email',
    description: 'A week after the win-back offer: a reminder before it ends',
    source: {
      default: {
        format: 'mjml',
        subject: 'Last call{% if profile.first_name %}, {{ profile.first_name }}{% endif %}: your offer ends soon',
        body: layout(`${heading('Before we let you go')}
${para('The code we sent you last week is about to expire. If now is not the time, no hard feelings: you can choose what you hear from us below.')}
${picks(3, 'Still here for you')}
${button('shop_url', 'Come back and see')}`),
      },
    },
  },
  {
    key: 're_engagement_gift',
    name: 'Re-engagement gift',
    channel: 'email',
    description: 'Dormant subscribers: a gift to come back',
    source: {
      default: {
        format: 'mjml',
        subject: 'A gift for you{% if profile.first_name %}, {{ profile.first_name }}{% endif %}, because it has been a while',
        body: layout(`${heading('We saved you something')}
${para('We have not seen you in a while, so here is a gift with no strings attached.')}
${couponBlock}
${button('shop_url', 'Claim my gift')}`),
      },
    },
  },
  {
    key: 're_engagement_sms',
    name: 'Re-engagement (SMS)',
    channel: 'sms',
    description: 'Short follow-up text to the re-engagement gift',
    source: { default: { body: '{{ profile.first_name | default: "Hi" }}, your gift is still waiting for you.{% if shop_url %} {{ shop_url }}{% endif %} Reply STOP to opt out' } },
  },
  {
    key: 'back_in_stock_push',
    name: 'Back in stock (push)',
    channel: 'push',
    description: 'Web push a day after the back-in-stock email',
    source: {
      default: {
        title: 'Back in stock',
        body: '{% assign product = event.product_id | product %}{{ product.name | default: event.name | default: "The item you wanted" }} is available again. Popular items go fast.',
        url: '{% assign product = event.product_id | product %}{{ product.url | default: shop_url | default: "/" }}',
      },
    },
  },
  {
    key: 'twelve_days',
    name: '12 days: mystery discount',
    channel: 'email',
    description: 'One of twelve daily emails, each revealing a mystery discount',
    source: {
      default: {
        format: 'mjml',
        subject: 'Day {{ day | default: 1 }} of 12: {% if coupon.description %}you got {{ coupon.description }}{% else %}your surprise is inside{% endif %}',
        body: layout(`        <mj-text font-size="14px" align="center" color="#7b8794">DAY {{ day | default: 1 }} OF 12</mj-text>
${heading("Today's mystery discount{% if coupon.description %}: {{ coupon.description }}{% endif %}", 'center')}
${para("Every day a new surprise. Today's code is yours alone, so make it count before tomorrow's arrives.", 'center')}
${couponBlock}
${button('shop_url', "Unwrap today's deal")}`),
      },
    },
  },
];
