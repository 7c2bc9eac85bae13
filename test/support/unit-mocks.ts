import { ConfigService } from '@nestjs/config';
import { DataSource, EntityManager } from 'typeorm';
import { Config } from '../../src/config/configuration';

/** The settings a unit spec gives, by area; a service reading any other one fails loudly. */
export type Settings = { [Area in keyof Config]?: Partial<Config[Area]> };

/** A ConfigService over `settings`, read by area (`jwt`) or by path (`mfa.enrollment`) as Nest reads them. */
export function configOf(settings: Settings): jest.Mocked<ConfigService<Config, true>> {
  const read = (path: string): unknown => {
    const value = path
      .split('.')
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], settings);
    if (value === undefined) throw new Error(`The spec sets no config ${path}`);
    return value;
  };
  return { get: jest.fn(read) } as unknown as jest.Mocked<ConfigService<Config, true>>;
}

/** A DataSource whose `manager` is `manager` and whose transactions run their work on it at once. */
export function dataSourceOn(manager: EntityManager): jest.Mocked<DataSource> {
  return {
    manager,
    transaction: jest.fn((work: (m: EntityManager) => Promise<unknown>) => work(manager)),
  } as unknown as jest.Mocked<DataSource>;
}
