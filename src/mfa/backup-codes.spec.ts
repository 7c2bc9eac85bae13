import { BACKUP_CODE_BITS, BackupCodes } from './backup-codes';

describe('BackupCodes', () => {
  it('makes ten distinct, grouped codes of at least 50 bits', () => {
    const codes = BackupCodes.generate();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes)
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(BACKUP_CODE_BITS).toBeGreaterThanOrEqual(50);
  });

  it('normalizes what people type', () => {
    expect(BackupCodes.normalize(' 7k2m-qx9d-4trb ')).toBe('7K2MQX9D4TRB');
    expect(BackupCodes.normalize('7K2M QX9D 4TRB')).toBe('7K2MQX9D4TRB');
    expect(BackupCodes.normalize('OIL0-0000-0000')).toBe('01100000' + '0000');
    expect(BackupCodes.normalize('7K2M-QX9D')).toBeUndefined();
    expect(BackupCodes.normalize('7K2M-QX9D-4TR!')).toBeUndefined();
  });

  it('hashes per user', () => {
    expect(BackupCodes.hash('user-a', '7K2MQX9D4TRB')).toMatch(/^[0-9a-f]{64}$/);
    expect(BackupCodes.hash('user-a', '7K2MQX9D4TRB')).not.toBe(BackupCodes.hash('user-b', '7K2MQX9D4TRB'));
  });
});
