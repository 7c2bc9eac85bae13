import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { UserEntity } from '../users/user.entity';

/** The magic links' flag: `@RequireFlag` on their routes checks its switch (404 when off). */
export const MAGIC_LINK_FLAG = 'passwordless_auth';

/** Its targeting (allow-list, roles, percent) decides, per account, whether a link is sent and works. */
export function magicLinksTarget(flags: FeatureFlagService, user: UserEntity): Promise<boolean> {
  return flags.isEnabled(MAGIC_LINK_FLAG, { id: user.id, email: user.email, roles: user.roles });
}
