import { defineHttp } from '../../layers/http/define';
import { templateStore, type TemplateStore } from './repository';
import { toTemplate } from './rules';
import {
  templateInput,
  templateParams,
  upsertedTemplate,
  type Channel,
  type RenderedMessage,
  type Template,
  type TemplateInput,
  type TemplateKey,
} from './schemas';
import { validateTemplate } from './templates';

// Schemas: `templateParams` (key, channel) and `templateInput` in; `upsertedTemplate` (the template and its preview) out.

/**
 * Stores a tenant's template for one purpose, channel and locale once it renders with every
 * variable of its purpose (422 otherwise, and nothing is stored).
 */
export const makeUpsertTemplate =
  (deps: { templates: Pick<TemplateStore, 'upsert'>; now: () => Date }) =>
  async (
    actor: { tenantId: string; userId: string },
    key: TemplateKey,
    channel: Channel,
    input: TemplateInput,
  ): Promise<{ template: Template & { preview: RenderedMessage }; created: boolean }> => {
    const preview = validateTemplate(key, channel, input);
    const { template, created } = await deps.templates.upsert({ tenantId: actor.tenantId, key, channel, input, userId: actor.userId, now: deps.now() });
    return { template: { ...toTemplate(template), preview }, created };
  };

export default defineHttp(
  {
    name: 'notification-template-upsert',
    method: 'PUT',
    path: '/{key}/{channel}',
    summary: "Create or replace a tenant's message template (validated by rendering it)",
    tags: ['notification'],
    auth: 'admin',
    request: { params: templateParams, body: templateInput },
    response: { status: 200, schema: upsertedTemplate, description: 'The stored template and its preview (201 when created)' },
    errors: [422],
  },
  async ({ params, body, actor }) => {
    const { template, created } = await makeUpsertTemplate({ templates: await templateStore(), now: () => new Date() })(
      actor,
      params.key,
      params.channel,
      body,
    );
    return { status: created ? 201 : 200, body: template };
  },
);
