import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import type { Clock } from '../../src/platform/clock.js';
import { systemClock } from '../../src/platform/clock.js';
import { testApp } from '../helpers/app.js';
import { registerAndLogin } from '../helpers/identity.js';

/** A clock the test can move forward. */
function movableClock(): Clock & { advance(seconds: number): void } {
  let offset = 0;
  return {
    ...systemClock,
    now: () => new Date(Date.now() + offset),
    advance: (seconds) => {
      offset += seconds * 1000;
    },
  };
}

describe('identity: opaque sessions, expiry and the flush job', () => {
  const clock = movableClock();
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp({ SESSION_TTL: '1h', SESSION_CACHE_TTL: '60s' }, { clock });
  });
  afterAll(async () => agora.app.close());

  it('resolves session_id credentials, then SESSION_EXPIRED past the TTL, even when cached', async () => {
    const u = await registerAndLogin(agora);
    const user = (await agora.identity.service.getUser(u.id))!;
    const { sessionId } = await agora.identity.service.openSession(user, { client: 'messenger' });
    const ok = await agora.app.inject({
      method: 'POST',
      url: '/messenger/v1/chats',
      headers: { authorization: `session_id ${sessionId}` },
      payload: { chat_name: 'a chat' },
    });
    expect(ok.statusCode).toBe(201);
    clock.advance(3601);
    await expect(agora.identity.service.resolveSessionId(sessionId)).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
  });

  it('an ended session id is invalid at once', async () => {
    const u = await registerAndLogin(agora);
    const user = (await agora.identity.service.getUser(u.id))!;
    const { sessionId, session } = await agora.identity.service.openSession(user);
    await agora.identity.service.resolveSessionId(sessionId);
    await agora.identity.service.endSession(session.id);
    await expect(agora.identity.service.resolveSessionId(sessionId)).rejects.toMatchObject({ code: 'SESSION_INVALID' });
    await expect(agora.identity.service.resolveSessionId('never-issued')).rejects.toMatchObject({
      code: 'SESSION_INVALID',
    });
  });

  it('flushes expired sessions and refresh tokens (the scheduled task and the CLI use this)', async () => {
    const u = await registerAndLogin(agora);
    const before = await agora.identity.service.listSessions(u.id);
    expect(before).toHaveLength(1);
    clock.advance(8 * 24 * 3600);
    const task = agora.modules.find((m) => m.name === 'identity')!.tasks!.find((t) => t.name.includes('flush'))!;
    const result = (await task.run()) as { sessions: number; refreshTokens: number };
    expect(result.sessions).toBeGreaterThanOrEqual(1);
    expect(result.refreshTokens).toBeGreaterThanOrEqual(1);
    clock.advance(-8 * 24 * 3600);
    expect(await agora.identity.service.listSessions(u.id)).toHaveLength(0);
  });
});
