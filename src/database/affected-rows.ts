/**
 * TypeORM's `query()` answers UPDATE and DELETE with `[rows, rowCount]` on PostgreSQL (and plain rows
 * for everything else): this reads the count, so "did my conditional update win?" is answered right.
 */
export function affectedRows(updateResult: unknown): number {
  const [, count] = updateResult as [unknown[], number];
  if (typeof count !== 'number') throw new Error('affectedRows() expects the result of an UPDATE or DELETE');
  return count;
}

/** The rows an UPDATE or DELETE ... RETURNING answered with (see `affectedRows` for the shape). */
export function returnedRows<T>(updateResult: unknown): T[] {
  const [rows] = updateResult as [T[], number];
  if (!Array.isArray(rows)) throw new Error('returnedRows() expects the result of an UPDATE or DELETE');
  return rows;
}
