/**
 * TypeORM's `query()` answers UPDATE and DELETE with `[rows, rowCount]` on PostgreSQL (and plain rows
 * for everything else): this reads the count, so "did my conditional update win?" is answered right.
 */
export function affectedRows(updateResult: unknown): number {
  const [, count] = updateResult as [unknown[], number];
  if (typeof count !== 'number') throw new Error('affectedRows() expects the result of an UPDATE or DELETE');
  return count;
}
