import { affectedRows, returnedRows } from './affected-rows';

describe('affectedRows', () => {
  it('reads the row count TypeORM returns for UPDATE and DELETE', () => {
    expect(affectedRows([[{ id: 'a' }], 1])).toBe(1);
    expect(affectedRows([[], 0])).toBe(0);
  });

  it('refuses anything else rather than guess', () => {
    expect(() => affectedRows([{ id: 'a' }, { id: 'b' }])).toThrow(/expects the result of an UPDATE or DELETE/);
  });
});

describe('returnedRows', () => {
  it('reads the RETURNING rows of an UPDATE or DELETE', () => {
    expect(returnedRows([[{ id: 'a' }, { id: 'b' }], 2])).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(returnedRows([[], 0])).toEqual([]);
  });

  it('refuses a plain SELECT result rather than take its first row for the list', () => {
    expect(() => returnedRows([{ id: 'a' }, { id: 'b' }])).toThrow(/expects the result of an UPDATE or DELETE/);
  });
});
