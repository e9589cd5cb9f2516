import type { Config } from '../../config.js';
import type { Cache } from '../../platform/cache/cache.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import type { Jobs } from '../../platform/jobs/index.js';
import type { Metrics } from '../../platform/observability/metrics.js';
import { loginFailure, type Actor, type IdentityService } from '../identity/index.js';
import { badParameters, chatNotFound, CODES, fail, userNotFound404 } from './messenger.errors.js';
import { messengerAdminRepository as adminRepo } from './messenger.admin.repository.js';
import { repo } from './messenger.repository.js';
import type { LiveMessage } from './messenger.live.js';
import { createSearch } from './messenger.search.js';

export interface MessengerDeps {
  db: Db;
  identity: IdentityService;
  cache: Cache;
  jobs: Jobs;
  clock: Clock;
  metrics: Metrics;
  config: Config;
  /** Called after a message is committed (live delivery). */
  onMessage?(msg: LiveMessage): void;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID = /^[1-9][0-9]{0,17}$/;
/** Memberships are never removed: a positive lookup can be kept for long. */
const MEMBER_TTL = 600;

export interface Page {
  messages: { text: string }[];
  next: { iterator: string };
}

/** Parses `limit` (all digits, 1..max) or answers bad-parameters. */
export function parseLimit(raw: string, max: number): number {
  const n = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= max)) throw badParameters();
  return n;
}

/** Parses an exclusive message-id cursor; an empty value means "from the newest". */
export function parseCursor(raw: string | undefined, onBad: () => AppError): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!ID.test(raw)) throw onBad();
  return Number(raw);
}

export function createMessengerService(d: MessengerDeps) {
  const { db, cache, config } = d;
  const ttl = config.MESSENGER_HISTORY_CACHE_TTL;
  const cacheHits = d.metrics.counter('messenger_history_cache_total', 'History page cache lookups', ['result']);
  const hit = cacheHits.labels('hit');
  const miss = cacheHits.labels('miss');
  const search = createSearch(d);

  const genKey = (chatId: string) => `msgr:g:${chatId}`;
  /** Pages of a chat live under its generation; a new message starts a new one, orphaning the old pages. */
  async function generation(chatId: string): Promise<string> {
    const gen = await cache.get<string>(genKey(chatId));
    if (gen) return gen;
    const fresh = d.clock.token(6);
    await cache.set(genKey(chatId), fresh, ttl * 2);
    return fresh;
  }

  /** Membership never ends (there is no leave), so a positive answer is cached. */
  async function isMember(chatId: string, userId: string): Promise<boolean> {
    const key = `msgr:m:${chatId}:${userId}`;
    if (await cache.get(key)) return true;
    const yes = await repo.isMember(db, chatId, userId);
    if (yes) await cache.set(key, 1, MEMBER_TTL);
    return yes;
  }

  /** Memberships never change once made, so their rows are cached by id. */
  async function memberById(id: number) {
    const key = `msgr:mb:${id}`;
    const cached = await cache.get<{ id: number; chatId: string; userId: string; userName: string }>(key);
    if (cached) return cached;
    const row = await repo.member(db, id);
    if (row)
      await cache.set(key, { id: row.id, chatId: row.chatId, userId: row.userId, userName: row.userName }, MEMBER_TTL);
    return row;
  }

  return {
    async register(userName: string, password: string) {
      try {
        await d.identity.register({ username: userName, password });
      } catch (err) {
        if (err instanceof AppError && (err.code === 'USERNAME_TAKEN' || err.code === 'EMAIL_TAKEN'))
          throw fail(400, CODES.USER_EXISTS);
        throw err;
      }
    },

    async login(userName: string, password: string, meta: { ip?: string; userAgent?: string }) {
      // Both failures go through identity's login guard alike (same limits, same argon2 time).
      const user = await d.identity
        .passwordLogin({ login: userName, password, ip: meta.ip ?? '', match: (u) => u.username === userName })
        .catch((err: unknown) => {
          const failure = loginFailure(err);
          if (!failure) throw err;
          throw fail(400, failure === 'unknown-user' ? CODES.USER_NOT_FOUND : CODES.BAD_PASSWORD);
        });
      const { sessionId } = await d.identity.openSession(user, {
        ...meta,
        client: 'messenger',
        ttl: config.SESSION_TTL,
      });
      return sessionId;
    },

    async logout(actor: Actor) {
      if (actor.sessionId) await d.identity.endSession(actor.sessionId);
    },

    async createChat(actor: Actor, name: string) {
      const id = d.clock.uuid();
      await repo.insertChat(db, { id, name, createdBy: actor.userId });
      return id;
    },

    async join(actor: Actor, chatId: string, userName: string) {
      if (!UUID.test(chatId) || !(await repo.chatExists(db, chatId))) throw chatNotFound();
      const id = await repo.insertMember(db, { chatId, userId: actor.userId, userName });
      await cache.set(`msgr:m:${chatId}:${actor.userId}`, 1, MEMBER_TTL);
      return String(id);
    },

    async post(actor: Actor, chatId: string, memberRaw: string | undefined, text: string) {
      if (!UUID.test(chatId)) throw chatNotFound();
      const member = memberRaw && ID.test(memberRaw) ? await memberById(Number(memberRaw)) : undefined;
      if (!member || member.chatId !== chatId || member.userId !== actor.userId) {
        throw (await repo.chatExists(db, chatId)) ? userNotFound404() : chatNotFound();
      }
      const { id, memberIds } = await db.transaction(async (t) => {
        const m = await repo.insertMessage(t as Db, {
          chatId,
          memberId: member.id,
          text,
          language: config.SEARCH_LANGUAGE,
        });
        // Offline members hear of it by email digest (notifications), after the commit.
        await d.jobs.publish(t as Db, 'messenger.message.created', {
          chatId,
          messageId: String(m.id),
          authorId: actor.userId,
          memberIds: m.memberIds,
        });
        return m;
      });
      // After the commit: readers from now on compute pages under a new generation.
      await cache.set(genKey(chatId), d.clock.token(6), ttl * 2);
      const messageId = String(id);
      d.onMessage?.({ chatId, messageId, memberId: String(member.id), userName: member.userName, text, memberIds });
      return messageId;
    },

    /** Removes a message (the admin panel's moderation); cached history pages of its chat are dropped. */
    async deleteMessage(id: number): Promise<void> {
      const chatId = await adminRepo.deleteMessage(db, id);
      if (!chatId) throw fail(404, CODES.NOT_FOUND);
      await cache.set(genKey(chatId), d.clock.token(6), ttl * 2);
    },

    /** A page of history, newest first; cached per chat generation, after the membership check. */
    async history(actor: Actor, chatId: string, limitRaw: string, fromRaw: string | undefined): Promise<Page> {
      const limit = parseLimit(limitRaw, 1000);
      const from = parseCursor(fromRaw, () => fail(400, CODES.BAD_CURSOR));
      if (!UUID.test(chatId) || !(await isMember(chatId, actor.userId))) throw chatNotFound();
      const key = `msgr:p:${chatId}:${await generation(chatId)}:${limit}:${from ?? ''}`;
      const cached = await cache.get<Page>(key);
      if (cached) {
        hit.inc();
        return cached;
      }
      miss.inc();
      if (from !== undefined && !(await repo.messageInChat(db, chatId, from))) throw fail(400, CODES.BAD_CURSOR);
      const rows = await repo.history(db, chatId, limit, from);
      const page: Page = {
        messages: rows.map((r) => ({ text: r.text })),
        next: { iterator: rows.length ? String(rows[rows.length - 1]!.id) : from !== undefined ? String(from) : '' },
      };
      await cache.set(key, page, ttl);
      return page;
    },

    ...search,
  };
}

export type MessengerService = ReturnType<typeof createMessengerService>;
