import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { messageStore, type MessageStore } from './repository';
import { decodeCursor, toMessage, toPage } from './rules';
import { channel, message, messageState, page, pageQuery, type Message } from './schemas';

const listQuery = z.object({ state: messageState.optional(), channel: channel.optional(), ...pageQuery }).strict();
type ListQuery = z.infer<typeof listQuery>;

/** One page of the tenant's messages, newest first, with their delivery state; bodies are stored with codes masked. */
export const makeListMessages =
  (deps: { messages: Pick<MessageStore, 'list'> }) =>
  async (tenantId: string, query: ListQuery): Promise<{ items: Message[]; nextCursor: string | null }> => {
    const { limit, cursor, ...filter } = query;
    const fetched = await deps.messages.list(tenantId, filter, { before: decodeCursor(cursor), limit: limit + 1 });
    const { items, nextCursor } = toPage(fetched, limit, (m) => m.id);
    return { items: items.map(toMessage), nextCursor };
  };

export default defineHttp(
  {
    name: 'notification-message-list',
    method: 'GET',
    summary: 'List sent, pending and failed messages (cursor-paginated, newest first)',
    tags: ['notification'],
    auth: 'admin',
    request: { query: listQuery },
    response: { status: 200, schema: page(message), description: 'A page of messages' },
  },
  async ({ query, tenantId }) => ({ body: await makeListMessages({ messages: await messageStore() })(tenantId, query) }),
);
