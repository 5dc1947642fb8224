import Handlebars from 'handlebars';
import { UnprocessableError } from '../../layers/errors';
import { DEFAULT_LOCALE, LIMITS, TEMPLATE_KEYS, type Channel, type RenderedMessage, type TemplateInput, type TemplateKey } from './schemas';

/**
 * Message templates: Handlebars in strict mode, so a variable the template names but the
 * message does not have is an error (caught by template-upsert's preview, never at send time),
 * with only the built-in block helpers (`if`, `unless`, `each`, `with`, `lookup`) and no
 * partials. HTML bodies escape every value; an HTML body with triple-stash (`{{{x}}}`, `{{&x}}`)
 * is refused, since values such as a user's name come from users. Subjects and text bodies are
 * plain text and are not HTML-escaped.
 */
export interface TemplateContent {
  subject?: string;
  text: string;
  html?: string;
}

type Part = keyof TemplateContent;

/** The variables of a one-time code's message; `code` is the code or reset token, in clear only here. */
export interface CodeVariables {
  name: string;
  to: string;
  code: string;
  expiresAt: string;
  expiresInMinutes: number;
}

export interface WelcomeVariables {
  name: string;
  email: string;
  tenantName: string;
  tenantSlug: string;
  tenantType: string;
  plan: string;
}

export interface SigninFlaggedVariables {
  email: string;
  reasons: string[];
  /** `reasons`, comma-separated. */
  reasonList: string;
  ip: string;
  userAgent: string;
  locked: boolean;
  time: string;
}

/** One line of an order, its money already formatted in the order's currency. */
export interface OrderLineVariables {
  name: string;
  sku: string;
  quantity: number;
  unitPrice: string;
  lineTotal: string;
}

/** What every message about an order shows: its id, lines and total (formatted, e.g. `€12.50`). */
export interface OrderVariables {
  email: string;
  orderId: string;
  lines: OrderLineVariables[];
  /** Units over all lines. */
  itemCount: number;
  total: string;
  currency: string;
}

export type ReceiptVariables = OrderVariables;

export interface OrderCancelledVariables extends OrderVariables {
  /** The cancel reason's code (`out_of_stock`, `payment_failed`, ...). */
  reason: string;
  /** The reason in words, to follow "because". */
  reasonText: string;
  /** The order had been paid (cancelled from `confirmed`): the payment is refunded. */
  refund: boolean;
}

export interface PaymentRefundedVariables {
  email: string;
  orderId: string;
  /** This refund. */
  amount: string;
  /** Everything refunded for the order so far, this refund included. */
  refundedTotal: string;
  /** What was captured for the order. */
  captured: string;
  /** Everything captured has now been refunded. */
  full: boolean;
  /** `order_cancelled` or `requested`. */
  reason: string;
  reasonText: string;
  currency: string;
}

export interface StockLowVariables {
  /** The tenant owner's name, when known. */
  name: string;
  tenantName: string;
  productId: string;
  /** The product's name from the catalogue, or its id when the catalogue does not know it. */
  productName: string;
  sku: string;
  available: number;
  threshold: number;
}

export interface TemplateVariables {
  'email-verification': CodeVariables;
  'login-2fa': CodeVariables;
  '2fa-setup': CodeVariables;
  'password-reset': CodeVariables;
  welcome: WelcomeVariables;
  'signin-flagged': SigninFlaggedVariables;
  'order-receipt': ReceiptVariables;
  'order-cancelled': OrderCancelledVariables;
  'payment-refunded': PaymentRefundedVariables;
  'stock-low': StockLowVariables;
}

/** The keys whose messages carry a one-time secret in the `code` variable. */
export const SECRET_KEYS: ReadonlySet<TemplateKey> = new Set(['email-verification', 'login-2fa', '2fa-setup', 'password-reset']);

const sampleCode = (code: string): CodeVariables => ({
  name: 'Ada Lovelace',
  to: 'ada@example.com',
  code,
  expiresAt: '2030-01-01T10:15:00.000Z',
  expiresInMinutes: 15,
});

const sampleOrder: OrderVariables = {
  email: 'ada@example.com',
  orderId: '0190a0a0-0000-7000-8000-0000000000f1',
  lines: [
    { name: 'Difference Engine mug', sku: 'MUG-L', quantity: 2, unitPrice: '€12.50', lineTotal: '€25.00' },
    { name: 'Punched card coasters', sku: 'SET-4', quantity: 1, unitPrice: '€20.00', lineTotal: '€20.00' },
  ],
  itemCount: 3,
  total: '€45.00',
  currency: 'EUR',
};

/** What template-upsert renders a template with: every variable the real messages have. */
export const SAMPLE_VARIABLES: TemplateVariables = {
  'email-verification': sampleCode('482913'),
  'login-2fa': sampleCode('482913'),
  '2fa-setup': sampleCode('482913'),
  'password-reset': sampleCode('Zm9yLWEtc2FtcGxlLXJlc2V0LXRva2Vu'),
  welcome: {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    tenantName: 'Analytical Engines',
    tenantSlug: 'analytical-engines',
    tenantType: 'SELLER_BUSINESS',
    plan: 'PRO',
  },
  'signin-flagged': {
    email: 'ada@example.com',
    reasons: ['new-device-burst', 'ip-change-rate'],
    reasonList: 'new-device-burst, ip-change-rate',
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0',
    locked: false,
    time: '2030-01-01T10:00:00.000Z',
  },
  'order-receipt': sampleOrder,
  'order-cancelled': { ...sampleOrder, reason: 'payment_failed', reasonText: 'the payment did not go through', refund: false },
  'payment-refunded': {
    email: 'ada@example.com',
    orderId: sampleOrder.orderId,
    amount: '€20.00',
    refundedTotal: '€20.00',
    captured: '€45.00',
    full: false,
    reason: 'requested',
    reasonText: 'as requested',
    currency: 'EUR',
  },
  'stock-low': {
    name: 'Ada Lovelace',
    tenantName: 'Analytical Engines',
    productId: '0190a0a0-0000-7000-8000-0000000000aa',
    productName: 'Difference Engine mug',
    sku: 'MUG-L',
    available: 3,
    threshold: 5,
  },
};

const hello = '{{#if name}}Hello {{name}},{{else}}Hello,{{/if}}';
const ignore = 'If you did not ask for this, you can ignore this message.';

const codeEmail = (subject: string, lead: string): TemplateContent => ({
  subject,
  text: `${hello}\n\n${lead} {{code}}\n\nIt expires in {{expiresInMinutes}} minutes. ${ignore}\n`,
  html: `<p>${hello}</p>\n<p>${lead} <strong>{{code}}</strong></p>\n<p>It expires in {{expiresInMinutes}} minutes. ${ignore}</p>\n`,
});

const codeSms = (lead: string): TemplateContent => ({ text: `Marketplace: ${lead} {{code}} (expires in {{expiresInMinutes}} min).` });

const linesText = '{{#each lines}}\n- {{quantity}} × {{name}} ({{sku}}) at {{unitPrice}}: {{lineTotal}}\n{{/each}}';
const linesHtml =
  '<table>\n<tr><th>Item</th><th>Quantity</th><th>Price</th><th>Total</th></tr>\n{{#each lines}}\n<tr><td>{{name}} ({{sku}})</td><td>{{quantity}}</td><td>{{unitPrice}}</td><td>{{lineTotal}}</td></tr>\n{{/each}}\n</table>';
const refundLine =
  '{{#if refund}}You had paid for it: your payment of {{total}} will be refunded to the card or account you paid with.{{else}}You will not be charged for it.{{/if}}';
const refundedSoFar =
  '{{#if full}}Everything you paid, {{captured}}, has now been refunded.{{else}}{{refundedTotal}} of the {{captured}} you paid has been refunded so far.{{/if}}';

/** The built-in templates, used for every key, channel and locale a tenant has not written. */
export const DEFAULT_TEMPLATES: Record<TemplateKey, Record<Channel, TemplateContent>> = {
  'email-verification': {
    email: codeEmail('Verify your email address', 'Your verification code is'),
    sms: codeSms('your verification code is'),
  },
  'login-2fa': {
    email: codeEmail('Your sign-in code', 'Your sign-in code is'),
    sms: codeSms('your sign-in code is'),
  },
  '2fa-setup': {
    email: codeEmail('Confirm two-factor authentication', 'Your code to turn on two-factor authentication is'),
    sms: codeSms('your code to turn on two-factor authentication is'),
  },
  'password-reset': {
    email: {
      subject: 'Reset your password',
      text: `${hello}\n\nUse this token to choose a new password:\n\nReset token: {{code}}\n\nIt expires in {{expiresInMinutes}} minutes. If you did not ask for a reset, ignore this message: your password stays as it is.\n`,
      html: `<p>${hello}</p>\n<p>Use this token to choose a new password:</p>\n<p>Reset token: <code>{{code}}</code></p>\n<p>It expires in {{expiresInMinutes}} minutes. If you did not ask for a reset, ignore this message: your password stays as it is.</p>\n`,
    },
    sms: codeSms('your password reset token is'),
  },
  welcome: {
    email: {
      subject: 'Welcome to Marketplace: {{tenantName}} is ready',
      text: `${hello}\n\nYour tenant {{tenantName}} ({{tenantSlug}}) is ready on the {{plan}} plan. Sign in to set up your first store.\n`,
      html: `<p>${hello}</p>\n<p>Your tenant <strong>{{tenantName}}</strong> ({{tenantSlug}}) is ready on the {{plan}} plan. Sign in to set up your first store.</p>\n`,
    },
    sms: { text: 'Marketplace: {{tenantName}} is ready on the {{plan}} plan.' },
  },
  'signin-flagged': {
    email: {
      subject: '{{#if locked}}Your account was locked{{else}}Unusual sign-in to your account{{/if}}',
      text: `Hello,\n\nA sign-in to {{email}} at {{time}} looked unusual ({{reasonList}}), from IP {{ip}} with {{userAgent}}.\n\n{{#if locked}}Your account is locked for now to protect it. Reset your password to unlock it.{{else}}If this was you, there is nothing to do. If it was not, reset your password now.{{/if}}\n`,
      html: `<p>Hello,</p>\n<p>A sign-in to {{email}} at {{time}} looked unusual ({{reasonList}}), from IP {{ip}} with {{userAgent}}.</p>\n<p>{{#if locked}}Your account is locked for now to protect it. Reset your password to unlock it.{{else}}If this was you, there is nothing to do. If it was not, reset your password now.{{/if}}</p>\n`,
    },
    sms: { text: 'Marketplace: unusual sign-in to {{email}} ({{reasonList}}).{{#if locked}} Your account is locked.{{/if}}' },
  },
  'order-receipt': {
    email: {
      subject: 'Your order {{orderId}} is confirmed',
      text: `Hello,\n\nThank you for your order. Your payment was received and order {{orderId}} is confirmed.\n\n${linesText}\nTotal: {{total}}\n\nWe will tell you when it ships.\n`,
      html: `<p>Hello,</p>\n<p>Thank you for your order. Your payment was received and order {{orderId}} is confirmed.</p>\n${linesHtml}\n<p><strong>Total: {{total}}</strong></p>\n<p>We will tell you when it ships.</p>\n`,
    },
    sms: { text: 'Marketplace: order {{orderId}} is confirmed ({{itemCount}} items, {{total}}).' },
  },
  'order-cancelled': {
    email: {
      subject: 'Your order {{orderId}} was cancelled',
      text: `Hello,\n\nYour order {{orderId}} was cancelled because {{reasonText}}.\n\n${linesText}\nTotal: {{total}}\n\n${refundLine}\n`,
      html: `<p>Hello,</p>\n<p>Your order {{orderId}} was cancelled because {{reasonText}}.</p>\n${linesHtml}\n<p>Total: {{total}}</p>\n<p>${refundLine}</p>\n`,
    },
    sms: { text: 'Marketplace: order {{orderId}} was cancelled because {{reasonText}}.{{#if refund}} Your payment of {{total}} will be refunded.{{/if}}' },
  },
  'payment-refunded': {
    email: {
      subject: '{{amount}} refunded for order {{orderId}}',
      text: `Hello,\n\nWe refunded {{amount}} for order {{orderId}} {{reasonText}}. ${refundedSoFar}\n\nThe money goes back to the card or account you paid with; your bank may take a few days to show it.\n`,
      html: `<p>Hello,</p>\n<p>We refunded <strong>{{amount}}</strong> for order {{orderId}} {{reasonText}}. ${refundedSoFar}</p>\n<p>The money goes back to the card or account you paid with; your bank may take a few days to show it.</p>\n`,
    },
    sms: { text: 'Marketplace: {{amount}} refunded for order {{orderId}}.' },
  },
  'stock-low': {
    email: {
      subject: 'Low stock: {{productName}} ({{sku}}) has {{available}} left',
      text: `${hello}\n\n{{productName}} ({{sku}}) in {{tenantName}} is down to {{available}} available, at or below its low-stock threshold of {{threshold}}. Restock it before it sells out.\n\nProduct id: {{productId}}\n`,
      html: `<p>${hello}</p>\n<p><strong>{{productName}}</strong> ({{sku}}) in {{tenantName}} is down to <strong>{{available}}</strong> available, at or below its low-stock threshold of {{threshold}}. Restock it before it sells out.</p>\n<p>Product id: {{productId}}</p>\n`,
    },
    sms: { text: 'Marketplace: low stock, {{productName}} ({{sku}}) has {{available}} left.' },
  },
};

export interface DefaultTemplate extends TemplateContent {
  key: TemplateKey;
  channel: Channel;
  locale: string;
}

/** The built-in templates matching a filter, in key then channel order. */
export const defaultTemplates = (filter: { key?: TemplateKey; channel?: Channel; locale?: string } = {}): DefaultTemplate[] =>
  filter.locale && filter.locale !== DEFAULT_LOCALE
    ? []
    : TEMPLATE_KEYS.filter((key) => !filter.key || key === filter.key).flatMap((key) =>
        (Object.keys(DEFAULT_TEMPLATES[key]) as Channel[])
          .filter((ch) => !filter.channel || ch === filter.channel)
          .map((ch) => ({ key, channel: ch, locale: DEFAULT_LOCALE, ...DEFAULT_TEMPLATES[key][ch] })),
      );

/** A template that does not compile or render; `part` names which one. */
export class TemplateError extends Error {
  constructor(
    readonly part: Part,
    reason: string,
  ) {
    super(`The ${part} template does not render: ${reason}`);
    this.name = 'TemplateError';
  }
}

/** One isolated Handlebars environment: no helper or partial anyone registers globally reaches it, and no `log`. */
const engine = Handlebars.create();
engine.unregisterHelper('log');

const COMPILE_OPTIONS = { strict: true, knownHelpersOnly: true, knownHelpers: { log: false } } as const;

type Compiled = (variables: object) => string;

/** Compiled templates by mode and source; warm invocations render without compiling again. */
const compiled = new Map<string, Compiled>();
const MAX_COMPILED = 500;

const compile = (source: string, escape: boolean): Compiled => {
  const cacheKey = `${escape ? 'html' : 'plain'}\u0000${source}`;
  let fn = compiled.get(cacheKey);
  if (!fn) {
    fn = engine.compile(source, { ...COMPILE_OPTIONS, noEscape: !escape });
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(cacheKey, fn);
  }
  return fn;
};

/** Handlebars errors carry the template's source context on later lines; the first says what is wrong. */
const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);

const renderPart = (part: Part, source: string, variables: object): string => {
  try {
    return compile(source, part === 'html')(variables);
  } catch (error) {
    throw new TemplateError(part, reasonOf(error));
  }
};

/** Renders every part a template has; a subject becomes one line. */
export const renderTemplate = (content: TemplateContent, variables: object): RenderedMessage => ({
  ...(content.subject !== undefined ? { subject: renderPart('subject', content.subject, variables).replace(/\s+/g, ' ').trim() } : {}),
  text: renderPart('text', content.text, variables),
  ...(content.html !== undefined ? { html: renderPart('html', content.html, variables) } : {}),
});

interface AstNode {
  type: string;
  escaped?: boolean;
  [field: string]: unknown;
}

/** True when a Handlebars AST outputs a value without escaping it (`{{{x}}}` or `{{&x}}`). */
const hasUnescapedOutput = (node: unknown): boolean => {
  if (Array.isArray(node)) return node.some(hasUnescapedOutput);
  if (!node || typeof node !== 'object' || typeof (node as AstNode).type !== 'string') return false;
  const { type, escaped, body, program, inverse } = node as AstNode;
  if (type === 'MustacheStatement' && escaped === false) return true;
  return [body, program, inverse].some(hasUnescapedOutput);
};

const invalid = (detail: string, code = 'invalid_template', extras: Record<string, unknown> = {}) => new UnprocessableError(detail, code, extras);

/**
 * Checks a tenant's template before it is stored: the parts its channel needs, no unescaped
 * HTML output, and a render with every variable of `key`; a code's template must show the code.
 * Returns the preview; throws 422 problems naming what is wrong.
 */
export const validateTemplate = (key: TemplateKey, channel: Channel, input: Omit<TemplateInput, 'locale'>): RenderedMessage => {
  if (channel === 'email' && input.subject === undefined) throw invalid('An email template needs a subject.', 'invalid_template', { part: 'subject' });
  if (channel === 'sms' && (input.subject !== undefined || input.html !== undefined)) {
    throw invalid('An SMS template has a text only: no subject, no html.', 'invalid_template', { part: input.subject !== undefined ? 'subject' : 'html' });
  }
  if (input.html !== undefined) {
    let ast: unknown;
    try {
      ast = engine.parse(input.html);
    } catch (error) {
      throw invalid(new TemplateError('html', reasonOf(error)).message, 'invalid_template', { part: 'html' });
    }
    if (hasUnescapedOutput(ast)) {
      throw invalid('The html template outputs a value unescaped ({{{…}}} or {{&…}}); use {{…}}.', 'unescaped_html', { part: 'html' });
    }
  }
  let preview: RenderedMessage;
  try {
    preview = renderTemplate(input, SAMPLE_VARIABLES[key]);
  } catch (error) {
    if (error instanceof TemplateError) throw invalid(error.message, 'invalid_template', { part: error.part });
    throw error;
  }
  if (SECRET_KEYS.has(key)) {
    const { code } = SAMPLE_VARIABLES[key] as CodeVariables;
    const missing = (['text', 'html'] as const).find((part) => preview[part] !== undefined && !preview[part]!.includes(code));
    if (missing) throw invalid(`The ${missing} template of ${key} must show the code: use {{code}}.`, 'missing_code', { part: missing });
  }
  if (channel === 'sms' && preview.text.length > LIMITS.smsText) {
    throw invalid(`The SMS text renders to ${preview.text.length} characters; at most ${LIMITS.smsText}.`, 'invalid_template', { part: 'text' });
  }
  return preview;
};
