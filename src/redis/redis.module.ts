import { Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import { Config } from '../config/configuration';

/** The shared Redis connection when REDIS_URL is set; `client` is undefined otherwise. */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  constructor(readonly client: Redis | undefined) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.client && this.client.status !== 'end') await this.client.quit().catch(() => this.client?.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: RedisConnection,
      inject: [ConfigService],
      useFactory: async (config: ConfigService<Config, true>) => {
        const ops = config.get('ops', { infer: true });
        if (!ops.redisUrl) return new RedisConnection(undefined);
        // Loaded only when configured: a replica without Redis never loads the client.
        const { Redis } = await import('ioredis');
        // Fail fast instead of queueing or waiting: a request must not hang on a Redis outage. A frozen
        // Redis accepts a connection and never answers: the command timeout covers that.
        const client = new Redis(ops.redisUrl, {
          lazyConnect: false,
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          commandTimeout: ops.redisCommandTimeoutMs,
          connectTimeout: Math.max(ops.redisCommandTimeoutMs, 1000),
        });
        client.on('error', () => undefined);
        return new RedisConnection(client);
      },
    },
  ],
  exports: [RedisConnection],
})
export class RedisModule {}
