import { ApiHeader, ApiResponseExamples } from '@nestjs/swagger';
import { LOGIN_STATUSES } from './dto/login-response.dto';

const tokens = {
  accessToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI4ZjE0ZTQ1Zi1lYTY2In0.2hD0r1v0y5sZz3cK',
  refreshToken: 'yB3oVHtXQ0s1p9mQeWb8dC6kLr2nA4fJ7uZxE5gT1hI',
  tokenType: 'Bearer',
  expiresIn: 900,
  sessionId: '2c1f6f2e-7b0a-4d6e-9f53-1a8e0c3b5d47',
};

/** One example of each answer a sign-in can give (the tokens are absent from the body in cookie mode). */
export const LOGIN_EXAMPLES: Record<(typeof LOGIN_STATUSES)[number], ApiResponseExamples> = {
  authenticated: {
    summary: 'Signed in: a full session',
    value: { status: 'authenticated', ...tokens, mfaEnrollment: 'none' },
  },
  mfa_required: {
    summary: 'Password right, 2FA on: finish with /auth/login/2fa (a code) or /auth/login/webauthn (a passkey)',
    value: {
      status: 'mfa_required',
      mfaToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJwdXJwb3NlIjoibWZhIn0.Qm9vZ2xlIGNvZGU',
      methods: ['totp', 'webauthn', 'backup_code'],
      expiresIn: 300,
    },
  },
  password_change_required: {
    summary: 'Password expired or reset by an admin: the tokens open only password change, /auth/me and logout',
    value: { status: 'password_change_required', ...tokens, mfaEnrollment: 'none' },
  },
};

/** The answers of a sign-in that needs no further factor (a second factor's, a refresh's). */
export const SESSION_EXAMPLES = {
  authenticated: LOGIN_EXAMPLES.authenticated,
  password_change_required: LOGIN_EXAMPLES.password_change_required,
};

/** The request header of every route that answers with a sign-in's tokens. */
export const ApiCookieMode = (): MethodDecorator =>
  ApiHeader({ name: 'X-Auth-Mode', required: false, description: '`cookie`: deliver the tokens as cookies' });
