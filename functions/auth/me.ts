import { NotFoundError } from '../../layers/errors';
import { defineHttp } from '../../layers/http/define';
import { userStore, type UserStore } from './repository';
import { profile, type Profile } from './schemas';
import { toProfile } from './users';

// Schema: `profile` out (./schemas).

/** The caller's own profile: never the password hash, the TOTP secret or recovery codes. */
export const makeMe =
  (deps: { users: Pick<UserStore, 'byId'> }) =>
  async (actor: { userId: string; tenantId: string }): Promise<Profile> => {
    const user = await deps.users.byId(actor.userId);
    if (!user || user.tenantId !== actor.tenantId || user.status === 'soft_deleted') throw new NotFoundError('user', actor.userId);
    return toProfile(user);
  };

export default defineHttp(
  {
    name: 'auth-me',
    method: 'GET',
    summary: "The caller's profile",
    tags: ['auth'],
    auth: 'customer',
    response: { status: 200, schema: profile, description: 'The profile' },
    errors: [404],
  },
  async ({ actor }) => ({ body: await makeMe({ users: await userStore() })(actor) }),
);
