import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { signedInUser } from './factories/user.factory';
import { claimsOf, forgeToken } from './support/jwt';
import { startTestApp, TestApp } from './support/test-app';

describe('GET /.well-known/jwks.json', () => {
  it('is 404 while tokens are signed with the shared secret', async () => {
    const t = await startTestApp();
    try {
      const res = await t.http.get('/.well-known/jwks.json');
      expect(res.status).toBe(404);
    } finally {
      await t.close();
    }
  });

  describe('with JWT_PRIVATE_KEY', () => {
    let t: TestApp;

    beforeAll(async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      t = await startTestApp({
        env: { JWT_PRIVATE_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() },
      });
    });

    afterAll(async () => {
      await t.close();
    });

    it('publishes the public key that verifies the access tokens', async () => {
      const jwks = await t.http.get('/.well-known/jwks.json');
      expect(jwks.status).toBe(200);
      expect(jwks.body.keys).toHaveLength(1);
      const [jwk] = jwks.body.keys;
      expect(jwk).toEqual(expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' }));
      expect(jwk.d).toBeUndefined();

      const user = await signedInUser(t.http);
      const [header, payload, signature] = user.accessToken.split('.');
      expect(JSON.parse(Buffer.from(header, 'base64url').toString()).kid).toBe(jwk.kid);
      const valid = verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url'),
      );
      expect(valid).toBe(true);
      expect((await t.http.get('/api/v1/auth/me', { token: user.accessToken })).status).toBe(200);
    });

    it('refuses HS256 tokens then, whether signed with JWT_SECRET or with the public key', async () => {
      const claims = claimsOf((await signedInUser(t.http)).accessToken);
      const [jwk] = (await t.http.get('/.well-known/jwks.json')).body.keys;
      const publicPem = createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' });
      for (const token of [forgeToken(claims), forgeToken(claims, publicPem.toString())]) {
        const res = await t.http.get('/api/v1/auth/me', { token });
        expect(res.status).toBe(401);
        expect(res.body.message).toBe('Invalid or expired access token');
      }
    });
  });
});
