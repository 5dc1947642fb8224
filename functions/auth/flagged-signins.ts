import { z } from 'zod';
import { defineHttp } from '../../layers/http/define';
import { userStore, type Signin, type UserStore } from './repository';

const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z
      .string()
      .regex(/^[0-9a-f-]{36}$/, 'a cursor from a previous page')
      .optional(),
  })
  .strict();
type ListQuery = z.infer<typeof listQuery>;

const flaggedSignin = z.object({
  id: z.string(),
  userId: z.string(),
  email: z.string(),
  reasons: z.array(z.string()),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  locked: z.boolean(),
  at: z.string().datetime(),
});
const page = z.object({ items: z.array(flaggedSignin), nextCursor: z.string().nullable() });
type Page = z.infer<typeof page>;

const toItem = (signin: Signin): z.infer<typeof flaggedSignin> => ({
  id: signin._id,
  userId: signin.userId,
  email: signin.email,
  reasons: [...signin.reasons],
  ip: signin.ip,
  userAgent: signin.userAgent,
  locked: signin.locked,
  at: new Date(signin.at).toISOString(),
});

/** The tenant's flagged sign-ins, newest first; the cursor is the last id of the previous page. */
export const makeListFlaggedSignins =
  (deps: { users: Pick<UserStore, 'listSignins'> }) =>
  async (tenantId: string, query: ListQuery): Promise<Page> => {
    const found = await deps.users.listSignins(tenantId, query.cursor, query.limit + 1);
    const items = found.slice(0, query.limit).map(toItem);
    return { items, nextCursor: found.length > query.limit ? items.at(-1)!.id : null };
  };

export default defineHttp(
  {
    name: 'auth-flagged-signins',
    method: 'GET',
    summary: "Suspicious sign-ins and lockouts of the tenant's users (cursor-paginated)",
    tags: ['auth'],
    auth: 'admin',
    request: { query: listQuery },
    response: { status: 200, schema: page, description: 'A page of flagged sign-ins' },
  },
  async ({ query, tenantId }) => ({ body: await makeListFlaggedSignins({ users: await userStore() })(tenantId, query) }),
);
