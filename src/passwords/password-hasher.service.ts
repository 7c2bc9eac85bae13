import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { compare, hash } from 'bcrypt';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Config } from '../config/configuration';
import { PasswordError, PasswordException } from './password.exception';

/**
 * bcrypt reads only the first 72 bytes of its input. Passwords are therefore pre-hashed with SHA-256
 * (base64, 44 bytes, no NUL bytes), so every byte of a password up to the 128-character limit counts.
 */
function prehash(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('base64');
}

/**
 * bcrypt at BCRYPT_COST on libuv's thread pool, with bounded concurrency: at most one hash per core
 * runs at a time, a bounded queue waits, and beyond it callers get 503 with Retry-After instead of
 * piling up work that would starve everything else (health probes included).
 */
@Injectable()
export class PasswordHasher {
  private readonly concurrency = Math.max(1, availableParallelism());
  private readonly maxQueue: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly cost: number;
  /** A real hash of nothing anyone knows, compared against when the email is unknown (same time). */
  private dummyHash: Promise<string> | undefined;

  constructor(config: ConfigService<Config, true>) {
    this.cost = config.get('security.bcryptCost', { infer: true });
    this.maxQueue = config.get('security.bcryptQueueLimit', { infer: true });
  }

  hash(password: string): Promise<string> {
    return this.bounded(() => hash(prehash(password), this.cost));
  }

  verify(password: string, passwordHash: string): Promise<boolean> {
    return this.bounded(() => compare(prehash(password), passwordHash));
  }

  /** Spends the same time as a real verification, for unknown accounts. Always false. */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash('dummy password no account has');
    await this.verify(password, await this.dummyHash);
    return false;
  }

  private async bounded<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue) {
        throw new PasswordException(PasswordError.Overloaded, 'Too many sign-ins at once; try again shortly', {}, 1);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
