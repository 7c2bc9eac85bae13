import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;

export interface CipherKey {
  id: string;
  key: Buffer;
}

/** A short, stable id for a key: the first 8 hex characters of its SHA-256. */
export function keyIdOf(hexKey: string): string {
  return createHash('sha256').update(Buffer.from(hexKey, 'hex')).digest('hex').slice(0, 8);
}

/**
 * AES-256-GCM for TOTP secrets at rest. Each value names the key it was written with
 * (`v1:<keyId>:<iv>:<tag>:<ciphertext>`), so older keys keep decrypting after a rotation until
 * every value is re-encrypted under the current key.
 */
export class SecretCipher {
  private readonly current: CipherKey;
  private readonly byId: Map<string, CipherKey>;

  constructor(currentHexKey: string, oldHexKeys: string[] = []) {
    const toKey = (hex: string): CipherKey => ({ id: keyIdOf(hex), key: Buffer.from(hex, 'hex') });
    this.current = toKey(currentHexKey);
    this.byId = new Map([...oldHexKeys.map(toKey), this.current].map((key) => [key.id, key]));
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.current.id, iv, tag, ciphertext]
      .map((part) => (Buffer.isBuffer(part) ? part.toString('base64url') : part))
      .join(':');
  }

  decrypt(value: string): string {
    const [version, keyId, iv, tag, ciphertext] = value.split(':');
    const key = this.byId.get(keyId);
    if (version !== VERSION || !key || !iv || !tag || ciphertext === undefined) {
      throw new Error(`cannot decrypt: unknown format or key ${keyId ?? '?'}`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  keyIdOf(value: string): string | undefined {
    return value.split(':')[1];
  }
}
