import type { Role } from '../../common/auth/auth-user';

export class UserResponseDto {
  id: string;
  email: string;
  displayName: string | null;
  roles: Role[];
  emailVerified: boolean;
}
