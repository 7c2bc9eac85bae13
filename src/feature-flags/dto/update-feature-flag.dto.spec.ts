import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { UpdateFeatureFlagDto } from './update-feature-flag.dto';

const problems = async (body: Record<string, unknown>): Promise<string[]> =>
  (await validate(plainToInstance(UpdateFeatureFlagDto, body))).map((error) => error.property);

describe('UpdateFeatureFlagDto', () => {
  it('accepts the kill switch alone and a full change', async () => {
    expect(await problems({ enabled: false })).toEqual([]);
    expect(
      await problems({ enabled: true, rolloutPercent: 25, roles: ['admin'], allowEmails: ['ops@example.com'] }),
    ).toEqual([]);
  });

  it('requires enabled as a boolean', async () => {
    expect(await problems({})).toEqual(['enabled']);
    expect(await problems({ enabled: 'true' })).toEqual(['enabled']);
  });

  it.each([101, -1, 1.5, '50'])('refuses rolloutPercent %p', async (rolloutPercent) => {
    expect(await problems({ enabled: true, rolloutPercent })).toEqual(['rolloutPercent']);
  });

  it('refuses unknown roles, bad emails and more than 1000 emails', async () => {
    expect(await problems({ enabled: true, roles: ['root'] })).toEqual(['roles']);
    expect(await problems({ enabled: true, allowEmails: ['not-an-email'] })).toEqual(['allowEmails']);
    const tooMany = Array.from({ length: 1001 }, (_, i) => `u${i}@example.com`);
    expect(await problems({ enabled: true, allowEmails: tooMany })).toEqual(['allowEmails']);
  });
});
