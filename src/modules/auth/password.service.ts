import { Injectable, OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { InjectConfig } from '../../config/config.util';
import { AuthConfig, authConfig } from './auth.config';
import { HashQueue } from './hash-queue';

/**
 * argon2id with OWASP's minimum parameters (19 MiB, 2 passes). The PHC string stores the
 * parameters, so raising them later only affects new hashes (verify() reads them from the hash).
 */
const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordService implements OnModuleInit {
  /** Verified against when the username does not exist, so both failures take the same time. */
  private dummyHash?: Promise<string>;
  /** Every hash and verification goes through it: bounded CPU and memory in a login storm. */
  readonly queue: HashQueue;

  constructor(@InjectConfig(authConfig) config: AuthConfig) {
    this.queue = new HashQueue(config.hashConcurrency, config.hashQueueMax, config.hashRetryAfterMs);
  }

  onModuleInit(): void {
    this.dummyHash = argon2.hash(randomBytes(24).toString('base64'), HASH_OPTIONS);
  }

  hash(password: string): Promise<string> {
    return this.queue.run(() => argon2.hash(password, HASH_OPTIONS));
  }

  /** Throws 503 UNAVAILABLE (retry_after_ms) when the hash queue is full. */
  verify(hash: string, password: string): Promise<boolean> {
    return this.queue.run(async () => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        // A malformed stored hash must fail closed, not crash the login.
        return false;
      }
    });
  }

  /** Burns the same CPU/memory as a real verification and always fails. */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= argon2.hash(randomBytes(24).toString('base64'), HASH_OPTIONS);
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
