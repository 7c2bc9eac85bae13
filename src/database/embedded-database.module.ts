import { Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Config } from '../config/configuration';
import { embeddedDataDir, EmbeddedPostgres } from './embedded-postgres';

/**
 * Holds the embedded PGlite server when no DATABASE_URL is configured, lets the CLI reach it once the
 * application is up (migrated), and stops it last at shutdown.
 */
@Injectable()
export class EmbeddedDatabase implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EmbeddedDatabase.name);

  constructor(readonly instance: EmbeddedPostgres | undefined) {}

  onApplicationBootstrap(): void {
    this.instance?.publish();
  }

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
        const dataDir = embeddedDataDir(config.get('app.dataDir', { infer: true }));
        return new EmbeddedDatabase(await EmbeddedPostgres.start({ dataDir }));
      },
    },
  ],
  exports: [EmbeddedDatabase],
})
export class EmbeddedDatabaseModule {}
