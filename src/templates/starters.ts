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

function layout(inner: string, footer = 'You receive this because you shop with us.'): string {
  return `<mjml>
  <mj-head>
    <mj-attributes>
      <mj-all font-family="Helvetica, Arial, sans-serif" />
      <mj-text font-size="16px" line-height="24px" color="#1f2933" />
      <mj-button background-color="#2f6fed" color="#ffffff" border-radius="6px" font-size="16px" inner-padding="12px 24px" />
    </mj-attributes>
    <mj-preview>{{ preview | default: "" }}</mj-preview>
  </mj-head>
  <mj-body background-color="#f5f7fa">
    <mj-section background-color="#ffffff" padding="24px">
      <mj-column>
${inner}
      </mj-column>
    </mj-section>
    <mj-section padding="12px">
      <mj-column>
        <mj-text font-size="12px" color="#7b8794" align="center">${footer}<br /><a href="{{ unsubscribe_url }}" style="color:#7b8794">Unsubscribe or choose what you receive</a></mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}

const productRows = `        <mj-text>{% for item in cart.items limit: 4 %}{% assign product = item.id | product %}<p style="margin:0 0 8px"><strong>{{ item.name | default: product.name | default: "Your item" }}</strong> &times; {{ item.qty }}{% if item.price %} &middot; {{ item.price | money: product.currency }}{% endif %}</p>{% endfor %}</mj-text>`;

const couponBlock = `        {% if coupon %}<mj-text align="center" font-size="18px"><strong>{{ coupon.description }}</strong> with code <span style="font-family:monospace;font-size:20px;letter-spacing:2px">{{ coupon.code }}</span>{% if coupon.expires_at %}<br /><span style="font-size:13px;color:#7b8794">Valid until {{ coupon.expires_at | date: "%B %e" }}</span>{% endif %}</mj-text>{% endif %}`;

const picks = `        {% assign picks = 'email_picks' | recommendations: 3 %}{% if picks.size > 0 %}<mj-text><strong>Picked for you</strong></mj-text><mj-text>{% for pick in picks %}<p style="margin:0 0 6px"><a href="{{ pick.url }}">{{ pick.name }}</a>{% if pick.price %} &middot; {{ pick.price | money: pick.currency }}{% endif %}</p>{% endfor %}</mj-text>{% endif %}`;

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
        body: layout(`        <mj-text font-size="22px"><strong>Still thinking it over, {{ profile.first_name | default: "friend" }}?</strong></mj-text>
        <mj-text>You left these in your cart. We kept them for you.</mj-text>
${productRows}
${couponBlock}
        <mj-button href="{{ cart_url | default: shop_url | default: 'https://example.com/cart' }}">Back to my cart</mj-button>
${picks}`),
      },
      locales: {
        fr: {
          format: 'mjml',
          subject: '{{ profile.first_name | default: "Bonjour" }}, votre panier vous attend',
          body: layout(`        <mj-text font-size="22px"><strong>Vous hésitez encore, {{ profile.first_name | default: "" }} ?</strong></mj-text>
        <mj-text>Vous avez laissé ces articles dans votre panier. Nous les avons gardés pour vous.</mj-text>
${productRows}
${couponBlock}
        <mj-button href="{{ cart_url | default: shop_url | default: 'https://example.com/cart' }}">Retourner au panier</mj-button>`, 'Vous recevez ce message parce que vous êtes client.'),
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
        subject: '{{ profile.first_name | default: "A gift" }}{% if profile.first_name %}, a gift{% endif %}: {{ coupon.description | default: "a little something" }} for you',
        body: layout(`        <mj-text font-size="22px"><strong>A little thank you{% if profile.first_name %}, {{ profile.first_name }}{% endif %}</strong></mj-text>
        <mj-text>Here is a code just for you. It works once, on anything in the shop.</mj-text>
${couponBlock}
        <mj-button href="{{ shop_url | default: 'https://example.com' }}">Start shopping</mj-button>
${picks}`),
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
        subject: 'Good news: {{ event.name | default: "something you liked" }} is now {{ event.price | money: event.currency }}',
        body: layout(`        <mj-text font-size="22px"><strong>The price just dropped</strong></mj-text>
        {% assign product = event.product_id | product %}
        {% if product.image_url %}<mj-image src="{{ product.image_url }}" alt="{{ product.name }}" width="280px" />{% endif %}
        <mj-text><strong>{{ product.name | default: event.name }}</strong><br />Now {{ event.price | money: event.currency }}{% if event.previous_price %}, was <s>{{ event.previous_price | money: event.currency }}</s>{% endif %}</mj-text>
        <mj-button href="{{ product.url | default: shop_url | default: 'https://example.com' }}">See it now</mj-button>`),
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
        body: layout(`        {% assign product = event.product_id | product %}
        <mj-text font-size="22px"><strong>{{ product.name | default: event.name | default: "Your item" }} is back in stock</strong></mj-text>
        {% if product.image_url %}<mj-image src="{{ product.image_url }}" alt="{{ product.name }}" width="280px" />{% endif %}
        <mj-text>Popular items go fast: this one sold out before.</mj-text>
        <mj-button href="{{ product.url | default: shop_url | default: 'https://example.com' }}">Get it before it's gone</mj-button>`),
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
        body: layout(`        <mj-text font-size="24px" align="center"><strong>Happy birthday{% if profile.first_name %}, {{ profile.first_name }}{% endif %}!</strong></mj-text>
        <mj-text align="center">To celebrate, a present from all of us.</mj-text>
${couponBlock}
        <mj-button href="{{ shop_url | default: 'https://example.com' }}">Treat yourself</mj-button>`),
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
        body: layout(`        <mj-text font-size="22px"><strong>It's been a while</strong></mj-text>
        <mj-text>{% if profile.computed.orders > 0 %}Thank you for your {{ profile.computed.orders }} order{% if profile.computed.orders > 1 %}s{% endif %} so far. {% endif %}We have new things we think you'll love, and a surprise for your next order.</mj-text>
${couponBlock}
${picks}
        <mj-button href="{{ shop_url | default: 'https://example.com' }}">See what's new</mj-button>`),
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
        body: layout(`        <mj-text font-size="22px"><strong>Thank you for your order</strong></mj-text>
        <mj-text>We hope you love it. How likely are you to recommend us to a friend?</mj-text>
        <mj-text align="center">{% for score in (0..10) %}<a href="{{ review_url | default: shop_url | default: 'https://example.com' }}?nps={{ score }}" style="display:inline-block;padding:6px 8px;margin:2px;border:1px solid #d9e2ec;border-radius:4px;text-decoration:none">{{ score }}</a>{% endfor %}</mj-text>
${picks}`),
      },
    },
  },
  {
    key: 'cart_reminder_sms',
    name: 'Cart reminder (SMS)',
    channel: 'sms',
    description: 'Short cart reminder, fits one GSM-7 segment with a code',
    source: { default: { body: '{{ profile.first_name | default: "Hi" }}, your cart is waiting{% if coupon %}: {{ coupon.description }} with {{ coupon.code }}{% endif %}. {{ cart_url | default: shop_url }} Reply STOP to opt out' } },
  },
  {
    key: 'cart_reminder_push',
    name: 'Cart reminder (push)',
    channel: 'push',
    description: 'Web push nudge back to the cart',
    source: { default: { title: 'Your cart misses you', body: '{% if cart.items.size > 0 %}{{ cart.items.first.name }}{% if cart.items.size > 1 %} and {{ cart.items.size | minus: 1 }} more{% endif %} still in your cart{% else %}Your picks are still waiting{% endif %}', url: '{{ cart_url | default: shop_url | default: "/" }}' } },
  },
  {
    key: 'hello_bar_free_shipping',
    name: 'Hello bar: free shipping',
    channel: 'inbox',
    description: 'On-site hello bar copy for new visitors (free shipping threshold)',
    source: { default: { title: 'Free shipping on orders over {{ threshold | default: 50 | money: currency }}', body: 'Welcome! Orders over {{ threshold | default: 50 | money: currency }} ship free.', url: '{{ shop_url | default: "/" }}' } },
  },
  {
    key: 'popup_exit_intent',
    name: 'Popup: exit intent',
    channel: 'inbox',
    description: 'Exit-intent popup copy: a fixed amount converts better than a percentage',
    source: { default: { title: 'Wait{% if profile.first_name %}, {{ profile.first_name }}{% endif %}! {{ coupon.description | default: "$10 off" }} your first order', body: 'Leave your email and we will send your code{% if coupon %}: {{ coupon.code }}{% endif %}. No spam, unsubscribe anytime.', url: '{{ shop_url | default: "/" }}' } },
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
        body: layout(`        <mj-text font-size="22px"><strong>One more step</strong></mj-text>
        <mj-text>Tap the button to confirm you want our emails. If you did not sign up, ignore this message.</mj-text>
        <mj-button href="{{ confirm_url }}">Yes, subscribe me</mj-button>`),
      },
    },
  },
];
