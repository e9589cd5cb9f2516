import { describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/helpers/app.js';
import { createSigner } from './tokens.js';

describe('token signer: a verified token is remembered, its expiry is not', () => {
  const claims = { sub: 'u1', sid: 's1', jti: 'j1', typ: 'Bearer' };
  const now = () => Math.floor(Date.now() / 1000);

  it('refuses a remembered token once it expires, and a token altered by one character', async () => {
    const signer = await createSigner(testConfig({ JWT_SECRET: 'token-test-secret-0123456789-0123456789-xyz' }));
    const token = await signer.sign(claims, 1, now());
    expect((await signer.verify(token)).sub).toBe('u1'); // checked, then remembered
    expect((await signer.verify(token)).sid).toBe('s1');
    const forged = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    await expect(signer.verify(forged)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await new Promise((r) => setTimeout(r, (now() + 1 - Date.now() / 1000) * 1000 + 50));
    await expect(signer.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED', status: 401 });
  });

  it('does not take a token signed with another secret for a remembered one', async () => {
    const a = await createSigner(testConfig({ JWT_SECRET: 'first-secret-0123456789-0123456789-0123456789' }));
    const b = await createSigner(testConfig({ JWT_SECRET: 'other-secret-0123456789-0123456789-0123456789' }));
    const token = await a.sign(claims, 60, now());
    await a.verify(token);
    await expect(b.verify(token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });
});
