import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { templateStore, type TemplateStore } from './repository';
import { decodeCursor, templateIdOf, toPage, toTemplate } from './rules';
import { channel, locale, page, pageQuery, template, templateKey, type Template } from './schemas';
import { defaultTemplates } from './templates';

const listQuery = z.object({ key: templateKey.optional(), channel: channel.optional(), locale: locale.optional(), ...pageQuery }).strict();
type ListQuery = z.infer<typeof listQuery>;

const templatePage = page(template).extend({ defaults: z.array(template) });
type TemplatePage = z.infer<typeof templatePage>;

/**
 * One page of the tenant's own templates (cursor-paginated, in key, channel, locale order),
 * and beside every page the built-in templates matching the same filter: what is used
 * wherever the tenant has written none.
 */
export const makeListTemplates =
  (deps: { templates: Pick<TemplateStore, 'list'> }) =>
  async (tenantId: string, query: ListQuery): Promise<TemplatePage> => {
    const { limit, cursor, ...filter } = query;
    const fetched = await deps.templates.list(tenantId, filter, { after: decodeCursor(cursor), limit: limit + 1 });
    const { items, nextCursor } = toPage(fetched, limit, (t) => templateIdOf(t.tenantId, t.key, t.channel, t.locale));
    const defaults = defaultTemplates(filter).map((d): Template => ({ ...d, source: 'default', version: 0, updatedAt: null, updatedBy: null }));
    return { items: items.map(toTemplate), nextCursor, defaults };
  };

export default defineHttp(
  {
    name: 'notification-template-list',
    method: 'GET',
    summary: "List the tenant's message templates and the built-in ones (cursor-paginated)",
    tags: ['notification'],
    auth: 'staff',
    request: { query: listQuery },
    response: { status: 200, schema: templatePage, description: "A page of the tenant's templates, and the built-in defaults" },
  },
  async ({ query, tenantId }) => ({ body: await makeListTemplates({ templates: await templateStore() })(tenantId, query) }),
);
