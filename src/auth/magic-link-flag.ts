import { NotFoundException } from '@nestjs/common';
import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { UserEntity } from '../users/user.entity';

const FLAG = 'passwordless_auth';

/**
 * The `passwordless_auth` flag: its switch decides whether the magic-link routes exist at all (404 when
 * off); its targeting (allow-list, roles, percent) decides, per account, whether a link works.
 */
export async function assertMagicLinksOn(flags: FeatureFlagService): Promise<void> {
  if (!(await flags.isSwitchedOn(FLAG))) throw new NotFoundException('Not found');
}

export function magicLinksTarget(flags: FeatureFlagService, user: UserEntity): Promise<boolean> {
  return flags.isEnabled(FLAG, { id: user.id, email: user.email, roles: user.roles });
}
