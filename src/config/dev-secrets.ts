import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Development only: a secret generated once and kept in DATA_DIR (mode 0600), so tokens and
 * encrypted TOTP secrets survive restarts without anyone choosing a secret by hand.
 */
export function devSecret(dataDir: string, name: string, generate: () => string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const value = generate();
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return value;
}

export const generateJwtSecret = (): string => randomBytes(48).toString('base64url');
export const generateEncryptionKey = (): string => randomBytes(32).toString('hex');
