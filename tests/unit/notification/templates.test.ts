import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../../layers/errors';
import { TEMPLATE_KEYS, type Channel } from '../../../functions/notification/schemas';
import {
  DEFAULT_TEMPLATES,
  defaultTemplates,
  renderTemplate,
  SAMPLE_VARIABLES,
  SECRET_KEYS,
  TemplateError,
  validateTemplate,
  type CodeVariables,
} from '../../../functions/notification/templates';

const problemOf = (fn: () => unknown): { code: string; status: number; detail: string; extras: Record<string, unknown> } => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UnprocessableError);
    const e = error as UnprocessableError;
    return { code: e.code, status: e.status, detail: e.message, extras: e.extras };
  }
  throw new Error('expected a 422');
};

describe('built-in templates', () => {
  it.each(TEMPLATE_KEYS.flatMap((key) => (['email', 'sms'] as Channel[]).map((channel) => [key, channel] as const)))(
    '%s by %s validates with its own sample variables',
    (key, channel) => {
      const preview = validateTemplate(key, channel, DEFAULT_TEMPLATES[key][channel]);
      expect(preview.text.length).toBeGreaterThan(10);
      if (channel === 'email') expect(preview.subject).toBeTruthy();
      if (SECRET_KEYS.has(key)) expect(preview.text).toContain((SAMPLE_VARIABLES[key] as CodeVariables).code);
    },
  );

  it('greet by name, or without one', () => {
    const content = DEFAULT_TEMPLATES['login-2fa'].email;
    expect(renderTemplate(content, SAMPLE_VARIABLES['login-2fa']).text).toMatch(/^Hello Ada Lovelace,/);
    expect(renderTemplate(content, { ...SAMPLE_VARIABLES['login-2fa'], name: '' }).text).toMatch(/^Hello,\n/);
  });

  it('tell a locked account from an unusual sign-in', () => {
    const content = DEFAULT_TEMPLATES['signin-flagged'].email;
    expect(renderTemplate(content, SAMPLE_VARIABLES['signin-flagged']).subject).toBe('Unusual sign-in to your account');
    const locked = renderTemplate(content, { ...SAMPLE_VARIABLES['signin-flagged'], locked: true });
    expect(locked.subject).toBe('Your account was locked');
    expect(locked.text).toContain('locked for now');
  });

  it('are listed by filter, in the default locale only', () => {
    expect(defaultTemplates()).toHaveLength(TEMPLATE_KEYS.length * 2);
    expect(defaultTemplates({ key: 'welcome', channel: 'email' })).toEqual([
      { key: 'welcome', channel: 'email', locale: 'en', ...DEFAULT_TEMPLATES.welcome.email },
    ]);
    expect(defaultTemplates({ channel: 'sms' }).every((t) => t.channel === 'sms')).toBe(true);
    expect(defaultTemplates({ locale: 'fr' })).toEqual([]);
  });
});

describe('rendering', () => {
  const hostile = { ...SAMPLE_VARIABLES.welcome, name: '<script>alert("x")</script> & Co', tenantName: "Ben & Jerry's" };

  it('escapes every value in HTML bodies', () => {
    const { html } = renderTemplate(DEFAULT_TEMPLATES.welcome.email, hostile);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Ben &amp; Jerry&#x27;s');
  });

  it('leaves subjects and text bodies as plain text, subjects on one line', () => {
    const rendered = renderTemplate({ subject: '{{tenantName}}\r\nBcc: victim@example.com', text: 'Hi {{name}}' }, hostile);
    expect(rendered.subject).toBe("Ben & Jerry's Bcc: victim@example.com");
    expect(rendered.text).toBe('Hi <script>alert("x")</script> & Co');
    expect(rendered.html).toBeUndefined();
  });

  it('fails on a variable the message does not have (strict mode), naming the part', () => {
    expect(() => renderTemplate({ subject: 'ok', text: 'Hi {{nmae}}' }, SAMPLE_VARIABLES.welcome)).toThrow(TemplateError);
    try {
      renderTemplate({ subject: 'Hi {{nope}}', text: 'x' }, SAMPLE_VARIABLES.welcome);
    } catch (error) {
      expect((error as TemplateError).part).toBe('subject');
      expect((error as Error).message).toMatch(/"nope" not defined/);
    }
  });

  it('does not reach prototypes or helpers outside the built-in ones', () => {
    expect(renderTemplate({ text: '{{constructor}}{{__proto__}}' }, {}).text).toBe('');
    expect(() => renderTemplate({ text: '{{log "x"}}' }, {})).toThrow(/unknown helper log/);
  });
});

describe('validateTemplate', () => {
  it('returns the preview of a good template', () => {
    const preview = validateTemplate('login-2fa', 'email', {
      subject: 'Code for {{name}}',
      text: 'Use {{code}} within {{expiresInMinutes}} min',
      html: '<b>{{code}}</b>',
    });
    expect(preview).toEqual({ subject: 'Code for Ada Lovelace', text: 'Use 482913 within 15 min', html: '<b>482913</b>' });
  });

  it.each([
    ['an email without a subject', 'welcome', 'email', { text: 'Hi' }, 'invalid_template', 'subject'],
    ['an SMS with a subject', 'welcome', 'sms', { subject: 'x', text: 'Hi' }, 'invalid_template', 'subject'],
    ['an SMS with html', 'welcome', 'sms', { text: 'Hi', html: '<p>x</p>' }, 'invalid_template', 'html'],
    ['a syntax error', 'welcome', 'email', { subject: 'x', text: 'Hi {{name' }, 'invalid_template', 'text'],
    ['an HTML syntax error', 'welcome', 'email', { subject: 'x', text: 'Hi', html: '{{#if name}}' }, 'invalid_template', 'html'],
    ['a misspelt variable', 'welcome', 'email', { subject: 'Hi {{nmae}}', text: 'x' }, 'invalid_template', 'subject'],
    ['an unknown helper', 'welcome', 'email', { subject: 'x', text: '{{upper name}}' }, 'invalid_template', 'text'],
    ['a partial', 'welcome', 'email', { subject: 'x', text: '{{> footer}}' }, 'invalid_template', 'text'],
    ['triple-stash HTML', 'welcome', 'email', { subject: 'x', text: 'x', html: '<p>{{{name}}}</p>' }, 'unescaped_html', 'html'],
    ['ampersand HTML', 'welcome', 'email', { subject: 'x', text: 'x', html: '{{#if name}}{{&name}}{{/if}}' }, 'unescaped_html', 'html'],
    ['a code template without the code', 'email-verification', 'email', { subject: 'Verify', text: 'Welcome {{name}}' }, 'missing_code', 'text'],
    ['a code HTML without the code', 'password-reset', 'email', { subject: 'Reset', text: '{{code}}', html: '<p>Reset</p>' }, 'missing_code', 'html'],
    ['an SMS code template without the code', 'login-2fa', 'sms', { text: 'Sign in now' }, 'missing_code', 'text'],
    ['an SMS too long once rendered', 'welcome', 'sms', { text: '{{tenantName}} '.repeat(100) }, 'invalid_template', 'text'],
  ] as const)('refuses %s with 422 %s', (_name, key, channel, input, code, part) => {
    const problem = problemOf(() => validateTemplate(key, channel, input as never));
    expect(problem).toMatchObject({ status: 422, code, extras: { part } });
  });

  it('says what is wrong without echoing more than the first line', () => {
    const problem = problemOf(() => validateTemplate('welcome', 'email', { subject: 'x', text: 'Dear {{firstName}}' }));
    expect(problem.detail).toBe('The text template does not render: "firstName" not defined in [object Object] - 1:7');
  });
});
