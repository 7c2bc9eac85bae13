import { affectedRows } from './affected-rows';

describe('affectedRows', () => {
  it('reads the row count TypeORM returns for UPDATE and DELETE', () => {
    expect(affectedRows([[{ id: 'a' }], 1])).toBe(1);
    expect(affectedRows([[], 0])).toBe(0);
  });

  it('refuses anything else rather than guess', () => {
    expect(() => affectedRows([{ id: 'a' }, { id: 'b' }])).toThrow(/expects the result of an UPDATE or DELETE/);
  });
});
