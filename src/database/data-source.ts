import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from './typeorm-options';

/**
 * For the TypeORM CLI's `migration:generate` only: it diffs the compiled entities against a
 * PostgreSQL database named by DATABASE_URL.
 */
const url = process.env.DATABASE_URL;
if (!url) throw new Error('migration:generate needs DATABASE_URL pointing at a migrated PostgreSQL database');

export default new DataSource({ ...typeOrmOptions(url, 1), entities: [`${__dirname}/../**/*.entity.js`] });
