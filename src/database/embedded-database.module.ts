import { Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { join } from 'node:path';
import { Config } from '../config/configuration';
import { EmbeddedPostgres } from './embedded-postgres';

/** Holds the embedded PGlite server when no DATABASE_URL is configured, and stops it last at shutdown. */
@Injectable()
export class EmbeddedDatabase implements OnApplicationShutdown {
  private readonly logger = new Logger(EmbeddedDatabase.name);

  constructor(readonly instance: EmbeddedPostgres | undefined) {}

  async onApplicationShutdown(): Promise<void> {
    await this.instance?.stop();
  }

  describe(): void {
    if (this.instance) this.logger.log('Using the embedded PGlite database');
  }
}

@Module({
  providers: [
    {
      provide: EmbeddedDatabase,
      inject: [ConfigService],
      useFactory: async (config: ConfigService<Config, true>) => {
        if (config.get('database.url', { infer: true })) return new EmbeddedDatabase(undefined);
        const dataDir = join(config.get('app.dataDir', { infer: true }), 'pglite');
        return new EmbeddedDatabase(await EmbeddedPostgres.start({ dataDir }));
      },
    },
  ],
  exports: [EmbeddedDatabase],
})
export class EmbeddedDatabaseModule {}
