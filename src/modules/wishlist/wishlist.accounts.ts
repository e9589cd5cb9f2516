import type { PlatformContext } from '../../platform/context.js';
import { AppError, isAppError } from '../../platform/errors.js';
import { loginFailure, type IdentityApi, type UserRow } from '../identity/index.js';
import { peekClaims } from './wishlist.auth.js';
import { invalid, noActiveAccount, refreshInvalid, refreshNoAccount } from './wishlist.errors.js';
import { REQUIRED, bodyErrors, charField, emailErrors, usernameErrors, type FieldResult } from './wishlist.fields.js';

type Body = Record<string, unknown>;

/** Runs DRF fields over a body; `rules` are [key, required, field] in the serializer's order. */
async function validate(
  body: unknown,
  rules: [string, boolean, (v: unknown) => FieldResult<string> | Promise<FieldResult<string>>][],
): Promise<Record<string, string>> {
  const shape = bodyErrors(body);
  if (shape) throw invalid(shape);
  const data = (body ?? {}) as Body;
  const errors: Record<string, string[]> = {};
  const out: Record<string, string> = {};
  for (const [key, required, field] of rules) {
    if (data[key] === undefined) {
      if (required) errors[key] = [REQUIRED];
      continue;
    }
    const r = await field(data[key]);
    if (r.ok) out[key] = r.value;
    else errors[key] = r.errors;
  }
  if (Object.keys(errors).length) throw invalid(errors);
  return out;
}

const name = (v: unknown) => charField(v, { max: 150, allowBlank: true });
const email = (v: unknown) => charField(v, { max: 254, allowBlank: true, extra: emailErrors });

/** Accounts are identity accounts; this is the Django-shaped door to them (register, SimpleJWT, /users/me/). */
export function createAccountService(ctx: PlatformContext, identity: IdentityApi) {
  const { config } = ctx;
  const svc = identity.service;
  const tokenClaims = (userId: string, type: 'access' | 'refresh') => ({ token_type: type, user_id: userId });

  const username =
    (selfId?: string) =>
    async (v: unknown): Promise<FieldResult<string>> => {
      const r = charField(v, { max: 150, extra: usernameErrors });
      if (!r.ok) return r;
      const taken = await svc.getUserByUsername(r.value);
      return taken && taken.id !== selfId ? { ok: false, errors: ['A user with that username already exists.'] } : r;
    };

  /** identity's uniqueness conflicts (a race past the check above) as DRF field errors. */
  const asFieldError = (err: unknown): never => {
    if (isAppError(err) && err.code === 'USERNAME_TAKEN') throw invalid({ username: [err.message] });
    if (isAppError(err) && err.code === 'EMAIL_TAKEN') throw invalid({ email: [err.message] });
    throw err;
  };

  return {
    async register(body: unknown): Promise<UserRow> {
      const v = await validate(body, [
        ['username', true, username()],
        ['password', true, (p) => charField(p, { allowBlank: false })],
        ['email', false, email],
        ['first_name', false, name],
        ['last_name', false, name],
      ]);
      // The password is taken as sent (DRF's password fields do not trim).
      const password = String((body as Body).password);
      return svc
        .register({
          username: v.username!,
          password,
          email: v.email || null,
          firstName: v.first_name,
          lastName: v.last_name,
        })
        .catch(asFieldError);
    },

    /** SimpleJWT's TokenObtainPairView, through identity's login guard (its 429s pass through). */
    async login(body: unknown, meta: { ip: string; userAgent: string }) {
      const v = await validate(body, [
        ['username', true, (u) => charField(u)],
        ['password', true, (p) => charField(p)],
      ]);
      const password = String((body as Body).password);
      // SimpleJWT logs in by username only (identity also accepts an email).
      const user = await svc
        .passwordLogin({ login: v.username!, password, ip: meta.ip, match: (u) => u.username === v.username })
        .catch((err: unknown) => {
          throw loginFailure(err) ? noActiveAccount() : err;
        });
      const pair = await svc.issueTokens(user, {
        client: 'wishlist',
        ip: meta.ip,
        userAgent: meta.userAgent,
        accessTtl: config.WISHLIST_ACCESS_TOKEN_TTL,
        refreshTtl: config.WISHLIST_REFRESH_TOKEN_TTL,
        accessClaims: tokenClaims(user.id, 'access'),
        refreshClaims: tokenClaims(user.id, 'refresh'),
      });
      return { refresh: pair.refreshToken, access: pair.accessToken };
    },

    /** SimpleJWT's TokenRefreshView without rotation (its default): the refresh token stays valid. */
    async refresh(body: unknown) {
      const v = await validate(body, [['refresh', true, (r) => charField(r)]]);
      const sub = peekClaims(v.refresh!)?.sub;
      if (typeof sub !== 'string') throw refreshInvalid();
      try {
        const out = await svc.accessFromRefresh(v.refresh!, {
          client: 'wishlist',
          accessTtl: config.WISHLIST_ACCESS_TOKEN_TTL,
          accessClaims: tokenClaims(sub, 'access'),
        });
        return { access: out.accessToken };
      } catch (err) {
        if (!isAppError(err) || err.status !== 401) throw err;
        if (err.code === 'USER_INACTIVE') throw refreshNoAccount();
        // Deactivation also ends the sessions; the original answers "no active account" for that user.
        if (err.code === 'SESSION_REVOKED' && (await svc.getUser(sub))?.isActive === false) throw refreshNoAccount();
        throw refreshInvalid();
      }
    },

    async me(userId: string): Promise<UserRow> {
      const user = await svc.getUser(userId);
      if (!user) throw new AppError('NOT_FOUND', 404, 'Not found.');
      return user;
    },

    /** PUT: username required, email and names writable; omitted fields keep their values. */
    async replace(userId: string, body: unknown): Promise<UserRow> {
      const v = await validate(body, [
        ['username', true, username(userId)],
        ['email', false, email],
        ['first_name', false, name],
        ['last_name', false, name],
      ]);
      return svc
        .updateProfile(userId, {
          username: v.username,
          ...(v.email !== undefined ? { email: v.email || null } : {}),
          firstName: v.first_name,
          lastName: v.last_name,
        })
        .catch(asFieldError);
    },

    /** PATCH touches only the names; every other key is ignored. */
    async patch(userId: string, body: unknown): Promise<UserRow> {
      const v = await validate(body, [
        ['first_name', false, name],
        ['last_name', false, name],
      ]);
      return svc.updateProfile(userId, { firstName: v.first_name, lastName: v.last_name });
    },

    deactivate: (userId: string) => svc.deactivate(userId),
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
