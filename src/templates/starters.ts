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

// Liquid between MJML components is dropped by the MJML compiler: it lives inside mj-text.
const picks = `        <mj-text>{% assign picks = 'email_picks' | recommendations: 3 %}{% if picks.size > 0 %}<p style="margin:0 0 8px"><strong>Picked for you</strong></p>{% for pick in picks %}<p style="margin:0 0 6px"><a href="{{ pick.url }}">{{ pick.name }}</a>{% if pick.price %} &middot; {{ pick.price | money: pick.currency }}{% endif %}</p>{% endfor %}{% endif %}</mj-text>`;

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
        <mj-text align="center">{% assign product = event.product_id | product %}{% if product.image_url %}<img src="{{ product.image_url }}" alt="{{ product.name }}" width="280" style="max-width:100%;height:auto" />{% endif %}</mj-text>
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
        body: layout(`        <mj-text font-size="22px">{% assign product = event.product_id | product %}<strong>{{ product.name | default: event.name | default: "Your item" }} is back in stock</strong></mj-text>
        <mj-text align="center">{% if product.image_url %}<img src="{{ product.image_url }}" alt="{{ product.name }}" width="280" style="max-width:100%;height:auto" />{% endif %}</mj-text>
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
  // --- starters for the journey recipes (src/journeys/recipes.ts); in journeys `event` holds the trigger's properties ---
  {
    key: 'cart_coupon',
    name: 'Cart coupon',
    channel: 'email',
    description: 'Abandoned cart, second message: the cart with a personal code',
    source: {
      default: {
        format: 'mjml',
        subject: '{% if coupon %}{{ coupon.description }} on your cart{% else %}Your cart is still here{% endif %}{% if profile.first_name %}, {{ profile.first_name }}{% endif %}',
        body: layout(`        <mj-text font-size="22px"><strong>A little push{% if profile.first_name %}, {{ profile.first_name }}{% endif %}</strong></mj-text>
        <mj-text>Your cart is saved. Here is something to make the decision easier.</mj-text>
${productRows}
${couponBlock}
        <mj-button href="{{ cart_url | default: shop_url | default: 'https://example.com/cart' }}">Use my code</mj-button>`),
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
        body: layout(`        <mj-text font-size="22px"><strong>Going, going...</strong></mj-text>
        <mj-text>Items in carts are not reserved, and these are popular. We would hate for you to miss them.</mj-text>
${productRows}
        <mj-button href="{{ cart_url | default: shop_url | default: 'https://example.com/cart' }}">Check out now</mj-button>`),
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
        body: layout(`        <mj-text font-size="22px">{% assign product = event.product_id | product %}<strong>Caught your eye?</strong></mj-text>
        <mj-text align="center">{% if product.image_url %}<img src="{{ product.image_url }}" alt="{{ product.name }}" width="280" style="max-width:100%;height:auto" />{% endif %}</mj-text>
        <mj-text><strong>{{ product.name | default: event.name | default: "The item you viewed" }}</strong>{% if product.price %} &middot; {{ product.price | money: product.currency }}{% endif %}</mj-text>
        <mj-button href="{{ product.url | default: shop_url | default: 'https://example.com' }}">Take another look</mj-button>
${picks}`),
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
        body: layout(`        <mj-text font-size="24px"><strong>Welcome{% if profile.first_name %}, {{ profile.first_name }}{% endif %}!</strong></mj-text>
        <mj-text>Thanks for joining us. Expect first looks at new arrivals, tips on getting the most from what you buy, and the occasional member-only offer. No more than a couple of emails a week.</mj-text>
        <mj-button href="{{ shop_url | default: 'https://example.com' }}">Have a look around</mj-button>`),
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
        subject: '{% if coupon %}{{ coupon.description }} your first order{% else %}A welcome gift{% endif %}{% if profile.first_name %}, {{ profile.first_name }}{% endif %}',
        body: layout(`        <mj-text font-size="22px"><strong>A welcome gift</strong></mj-text>
        <mj-text>Ready for your first order? This code is yours alone and works once.</mj-text>
${couponBlock}
        <mj-button href="{{ shop_url | default: 'https://example.com' }}">Start shopping</mj-button>`),
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
        body: layout(`        <mj-text font-size="22px"><strong>The ones people come back for</strong></mj-text>
        <mj-text>Not sure where to start? {% assign picks = 'email_picks' | recommendations: 4 %}{% if picks.size > 0 %}These are the pieces we think you will love:{% else %}Our best sellers are the pieces customers buy again and again.{% endif %}</mj-text>
        <mj-text>{% for pick in picks %}<p style="margin:0 0 6px"><a href="{{ pick.url }}">{{ pick.name }}</a>{% if pick.price %} &middot; {{ pick.price | money: pick.currency }}{% endif %}</p>{% endfor %}</mj-text>
        <mj-button href="{{ shop_url | default: 'https://example.com' }}">See all best sellers</mj-button>`),
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
        body: layout(`        <mj-text font-size="22px" align="center"><strong>Happy anniversary!</strong></mj-text>
        <mj-text align="center">A year ago you placed your first order with us{% if profile.computed.orders > 1 %}, and {{ profile.computed.orders }} orders later you are still here{% endif %}. Thank you for being part of the story.</mj-text>
${couponBlock}
        <mj-button href="{{ shop_url | default: 'https://example.com' }}">See what's new</mj-button>`),
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
        body: layout(`        <mj-text font-size="22px"><strong>Time for a top-up?</strong></mj-text>
        <mj-text>Based on your last order, you may be running out soon. Reorder in a click:</mj-text>
        <mj-text>{% for item in event.products limit: 4 %}{% assign product = item.product_id | product %}<p style="margin:0 0 8px"><a href="{{ product.url | default: shop_url | default: 'https://example.com' }}"><strong>{{ item.name | default: product.name | default: "Your item" }}</strong></a></p>{% endfor %}</mj-text>
        <mj-button href="{{ shop_url | default: 'https://example.com' }}">Reorder</mj-button>`),
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
        body: layout(`        <mj-text font-size="22px"><strong>Just checking in</strong></mj-text>
        <mj-text>Your order{% if event.order_id %} {{ event.order_id }}{% endif %} should be with you by now. If anything is missing, damaged or not quite right, reply to this email and we will sort it out.</mj-text>
        <mj-button href="{{ shop_url | default: 'https://example.com' }}">Visit the shop</mj-button>`),
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
        body: layout(`        <mj-text font-size="22px"><strong>Tell us what you think</strong></mj-text>
        <mj-text>A short review helps other shoppers choose, and helps us make things better. It takes a minute.</mj-text>
        <mj-text>{% for item in event.products limit: 3 %}<p style="margin:0 0 6px">{{ item.name | default: "Your item" }}</p>{% endfor %}</mj-text>
        <mj-button href="{{ review_url | default: shop_url | default: 'https://example.com' }}">Write a review</mj-button>`),
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
        body: layout(`        <mj-text font-size="22px"><strong>Before we let you go</strong></mj-text>
        <mj-text>The code we sent you last week is about to expire. If now is not the time, no hard feelings: you can choose what you hear from us below.</mj-text>
${picks}
        <mj-button href="{{ shop_url | default: 'https://example.com' }}">Come back and see</mj-button>`),
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
        body: layout(`        <mj-text font-size="22px"><strong>We saved you something</strong></mj-text>
        <mj-text>We have not seen you in a while, so here is a gift with no strings attached.</mj-text>
${couponBlock}
        <mj-button href="{{ shop_url | default: 'https://example.com' }}">Claim my gift</mj-button>`),
      },
    },
  },
  {
    key: 're_engagement_sms',
    name: 'Re-engagement (SMS)',
    channel: 'sms',
    description: 'Short follow-up text to the re-engagement gift',
    source: { default: { body: '{{ profile.first_name | default: "Hi" }}, your gift is still waiting for you. {{ shop_url | default: "" }} Reply STOP to opt out' } },
  },
  {
    key: 'back_in_stock_push',
    name: 'Back in stock (push)',
    channel: 'push',
    description: 'Web push a day after the back-in-stock email',
    source: { default: { title: 'Back in stock', body: '{% assign product = event.product_id | product %}{{ product.name | default: event.name | default: "The item you wanted" }} is available again. Popular items go fast.', url: '{% assign product = event.product_id | product %}{{ product.url | default: shop_url | default: "/" }}' } },
  },
  {
    key: 'twelve_days',
    name: '12 days: mystery discount',
    channel: 'email',
    description: 'One of twelve daily emails, each revealing a mystery discount',
    source: {
      default: {
        format: 'mjml',
        subject: 'Day {{ day | default: 1 }} of 12: {% if coupon %}you got {{ coupon.description }}{% else %}your surprise is inside{% endif %}',
        body: layout(`        <mj-text font-size="14px" align="center" color="#7b8794">DAY {{ day | default: 1 }} OF 12</mj-text>
        <mj-text font-size="24px" align="center"><strong>Today's mystery discount{% if coupon %}: {{ coupon.description }}{% endif %}</strong></mj-text>
        <mj-text align="center">Every day a new surprise. Today's code is yours alone, so make it count before tomorrow's arrives.</mj-text>
${couponBlock}
        <mj-button href="{{ shop_url | default: 'https://example.com' }}">Unwrap today's deal</mj-button>`),
      },
    },
  },
];
