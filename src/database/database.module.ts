import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { Config } from '../config/configuration';
import { EmbeddedDatabase, EmbeddedDatabaseModule } from './embedded-database.module';
import { runPendingMigrations } from './migration-lock';
import { MigrationStatus } from './migration-status';
import { typeOrmOptions } from './typeorm-options';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [EmbeddedDatabaseModule],
      inject: [ConfigService, EmbeddedDatabase],
      useFactory: (config: ConfigService<Config, true>, embedded: EmbeddedDatabase) => {
        const database = config.get('database', { infer: true });
        embedded.describe();
        const url = database.url ?? embedded.instance?.url;
        if (!url) throw new Error('No database: set DATABASE_URL or let the embedded database start');
        // PGlite serves one connection at a time.
        const poolSize = embedded.instance ? 1 : database.poolSize;
        return {
          ...typeOrmOptions(url, poolSize, database.statementTimeoutMs),
          migrationsRun: database.migrationsRun,
          autoLoadEntities: true,
        };
      },
      // Not TypeORM's own `migrationsRun`: replicas booting together take turns (see withMigrationLock).
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource({
          ...(options as DataSourceOptions),
          migrationsRun: false,
        }).initialize();
        try {
          if (options?.migrationsRun) await runPendingMigrations(dataSource);
          return dataSource;
        } catch (error) {
          await dataSource.destroy();
          throw error;
        }
      },
    }),
  ],
  providers: [MigrationStatus],
  exports: [MigrationStatus],
})
export class DatabaseModule {}
