import { AppError } from '../../platform/errors.js';
import { rateLimited } from '../../platform/ratelimit/guard.js';
import { identityRepository as repo, type UserRow } from './identity.repository.js';
import type { IdentityDeps } from './identity.types.js';

const WINDOW = 15 * 60;

/** Why a password login failed; modules whose contract names distinct errors (the messenger's) read it. */
export type LoginFailure = 'unknown-user' | 'bad-password' | 'inactive';

export interface PasswordLogin {
  /** Username or email, as the module's form calls it. */
  login: string;
  password: string;
  ip: string;
  /** A module's own rule on which account the login may name (SimpleJWT: by username only). */
  match?: (user: UserRow) => boolean;
}

/**
 * The one login guard: every password login of every module (identity, wishlist, messenger, back office,
 * admin panel, the OpenID login page) goes through it, so its limits hold whichever door a guesser uses.
 * - attempts per IP address (RATE_LIMIT_LOGIN_PER_IP per 15 minutes);
 * - failures per account and IP (RATE_LIMIT_LOGIN_PER_ACCOUNT): past it, that IP gets 429 for the account
 *   even with the right password, until the window has room again; a success clears it;
 * - failures per account from all addresses (RATE_LIMIT_LOGIN_PER_ACCOUNT_ALL_IPS), against guessing spread
 *   over many addresses.
 * An unknown account counts like a known one (keyed by the name given) and costs the same argon2 time.
 */
export function loginGuard({ db, config, limiter, hasher }: IdentityDeps) {
  const limits = () => config.RATE_LIMIT_ENABLED;
  const failureLimits = (account: string, ip: string): [string, number][] => [
    [`login:fail:${account}|${ip}`, config.RATE_LIMIT_LOGIN_PER_ACCOUNT],
    [`login:fail:${account}`, config.RATE_LIMIT_LOGIN_PER_ACCOUNT_ALL_IPS],
  ];

  return {
    /** Checks a password login under the shared limits; throws RATE_LIMITED (429) or INVALID_CREDENTIALS (401). */
    async passwordLogin(attempt: PasswordLogin): Promise<UserRow> {
      const { login, password, ip } = attempt;
      if (limits()) {
        const d = await limiter.hit(`login:ip:${ip}`, config.RATE_LIMIT_LOGIN_PER_IP, WINDOW);
        if (!d.allowed) throw rateLimited(d, 'Too many login attempts; try again later');
      }
      const found = login ? await repo.userByLogin(db, login) : undefined;
      const account = found ? `u:${found.id}` : `n:${login.trim().toLowerCase()}`;
      const counters = failureLimits(account, ip);
      if (limits()) {
        for (const [key, limit] of counters) {
          const d = await limiter.peek(key, limit, WINDOW);
          if (!d.allowed) throw rateLimited(d, 'Too many failed logins; try again later');
        }
      }
      const user = found && (!attempt.match || attempt.match(found)) ? found : undefined;
      const ok = await hasher.verify(user?.passwordHash ?? null, password);
      const failure: LoginFailure | undefined = !user
        ? 'unknown-user'
        : !ok
          ? 'bad-password'
          : !user.isActive
            ? 'inactive'
            : undefined;
      if (failure) {
        if (limits()) for (const [key, limit] of counters) await limiter.hit(key, limit, WINDOW);
        throw new AppError('INVALID_CREDENTIALS', 401, 'Invalid user credentials', { reason: failure });
      }
      if (limits()) await limiter.reset(counters[0]![0], WINDOW);
      return user!;
    },
  };
}

/** The reason of a failed password login (undefined for any other error). */
export const loginFailure = (err: unknown): LoginFailure | undefined =>
  err instanceof AppError && err.code === 'INVALID_CREDENTIALS'
    ? (err.details as { reason?: LoginFailure } | undefined)?.reason
    : undefined;
