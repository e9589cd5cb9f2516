import type { Db } from '../../platform/db/database.js';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors.js';
import { federationRepository as fed } from './identity.federation.repository.js';
import type { ExternalProfile } from './identity.federation.providers.js';
import { identityRepository as repo, type UserRow } from './identity.repository.js';
import { normalizeEmail, type IdentityService } from './identity.service.js';
import { isUniqueViolation, sha256, type Actor, type IdentityDeps } from './identity.types.js';

/** How long a provider identity waits for the account with its email to sign in and accept the link. */
const LINK_TICKET_TTL = 10 * 60;
const USERNAME_CHARS = /[^\w.@+-]/g;

/**
 * The accounts side of federation. A provider identity signs in as the user it is linked to; a signed-in user
 * can link one; the first login of an unknown identity creates a user — unless an account already has its
 * email: then nothing happens silently. With an email the provider verified, a link ticket lets the owner of
 * that account accept the link after signing in; an unverified email never reaches an existing account.
 */
export function federatedAccounts(deps: IdentityDeps, service: IdentityService) {
  const { db, clock, hasher } = deps;

  const active = async (userId: string) => {
    const user = await service.getUser(userId);
    if (!user?.isActive) throw new AppError('USER_INACTIVE', 401, 'User is inactive');
    return user;
  };
  const link = (tx: Db, userId: string, provider: string, p: ExternalProfile) =>
    fed.insertLink(tx, {
      id: clock.uuid(),
      userId,
      provider,
      subject: p.subject,
      email: p.email,
      emailVerified: p.emailVerified,
      lastLoginAt: clock.now(),
    });
  const alreadyLinked = (provider: string) => conflict(`This ${provider} account is already linked to another user`);

  /** Username candidates: the email's local part, a nickname, or provider-subject; then with a suffix. */
  function usernameFor(provider: string, p: ExternalProfile, attempt: number) {
    const pick = [p.email?.split('@')[0], p.nickname, `${provider}-${p.subject}`]
      .map((s) => (s ?? '').replace(USERNAME_CHARS, '').slice(0, 30))
      .find((s) => s.length >= 3);
    const base = pick ?? `${provider}-${clock.token(4)}`.replace(USERNAME_CHARS, '');
    return attempt === 0 ? base : `${base}-${clock.token(3).replace(USERNAME_CHARS, '')}`;
  }

  /** A new user (no password) and its first linked identity, in one transaction. */
  async function createUser(provider: string, p: ExternalProfile): Promise<UserRow> {
    for (let attempt = 0; attempt < 6; attempt++) {
      const username = usernameFor(provider, p, attempt);
      if (attempt < 5 && (await service.getUserByUsername(username))) continue;
      try {
        return await db.transaction(async (t) => {
          const tx = t as Db;
          const user = await repo.insertUser(tx, {
            id: clock.uuid(),
            username,
            // Only an email the provider vouches for becomes the account's: an unverified one would block its owner.
            email: p.emailVerified && p.email ? normalizeEmail(p.email) : null,
            emailVerified: p.emailVerified && Boolean(p.email),
            passwordHash: null,
            firstName: p.firstName.slice(0, 150),
            lastName: p.lastName.slice(0, 150),
            lastLogin: clock.now(),
          });
          await link(tx, user.id, provider, p);
          return user;
        });
      } catch (err) {
        const constraint = isUniqueViolation(err);
        if (constraint?.includes('username')) continue;
        if (constraint?.includes('email')) throw accountExists(provider);
        if (constraint?.includes('linked_identities')) {
          const raced = await fed.linkBySubject(db, provider, p.subject);
          if (raced) return active(raced.userId);
        }
        throw err;
      }
    }
    throw conflict('Could not find a free username; try again');
  }

  const accountExists = (provider: string, linkToken?: string) =>
    new AppError(
      'LINK_REQUIRED',
      409,
      linkToken
        ? `An account with this email already exists. Sign in to it and POST the link_token to /auth/link to add ${provider} to it`
        : `An account with this email already exists. Sign in to it and link ${provider} from there`,
      linkToken ? { link_token: linkToken } : undefined,
    );

  return {
    /** The user a provider identity signs in as, by the rules above. Throws 409 LINK_REQUIRED, 401 inactive. */
    async signInWith(provider: string, p: ExternalProfile, linkUserId?: string): Promise<UserRow> {
      const known = await fed.linkBySubject(db, provider, p.subject);
      if (known) {
        if (linkUserId && known.userId !== linkUserId) throw alreadyLinked(provider);
        const user = await active(known.userId);
        await fed.touchLink(db, known.id, { email: p.email, emailVerified: p.emailVerified, now: clock.now() });
        return user;
      }
      if (linkUserId) {
        const user = await active(linkUserId);
        await link(db, user.id, provider, p).catch((err: unknown) => {
          throw isUniqueViolation(err) ? alreadyLinked(provider) : err;
        });
        return user;
      }
      const owner = p.email ? await fed.userByEmail(db, normalizeEmail(p.email)) : undefined;
      if (owner) {
        if (!p.emailVerified) throw accountExists(provider);
        const token = clock.token(32);
        await fed.insertTicket(db, {
          ticketHash: sha256(token),
          kind: 'link',
          provider,
          subject: p.subject,
          email: p.email,
          emailVerified: true,
          expiresAt: new Date(clock.now().getTime() + LINK_TICKET_TTL * 1000),
        });
        throw accountExists(provider, token);
      }
      return createUser(provider, p);
    },

    /** The signed-in owner of the email accepts a pending link (single-use, 10 minutes). */
    async acceptLink(actor: Actor, linkToken: string) {
      const ticket = await fed.useTicket(db, sha256(linkToken), 'link', clock.now());
      if (!ticket) throw new AppError('LINK_TOKEN_INVALID', 400, 'Unknown, expired or already used link token');
      const user = await active(actor.userId);
      if (!user.email || !ticket.email || normalizeEmail(ticket.email).toLowerCase() !== user.email.toLowerCase()) {
        throw forbidden('This link token is for the account with the email the provider gave');
      }
      const profile = {
        subject: ticket.subject,
        email: ticket.email,
        emailVerified: true,
        firstName: '',
        lastName: '',
      };
      return link(db, user.id, ticket.provider, profile).catch((err: unknown) => {
        throw isUniqueViolation(err) ? alreadyLinked(ticket.provider) : err;
      });
    },

    /** The caller's linked identities, and whether they can also sign in with a password. */
    async identitiesOf(userId: string) {
      const user = await service.getUser(userId);
      return { identities: await fed.linksOfUser(db, userId), hasPassword: Boolean(user?.passwordHash) };
    },

    /** Unlinks one identity while another way to sign in remains (a password or another identity), else 409. */
    async unlink(userId: string, linkId: string) {
      await db.transaction(async (t) => {
        const tx = t as Db;
        const user = await fed.lockUser(tx, userId);
        const links = await fed.linksOfUser(tx, userId);
        if (!user || !links.some((l) => l.id === linkId)) throw notFound('Linked identity not found');
        if (!user.passwordHash && links.length === 1) {
          throw conflict('This is your last way to sign in: set a password or link another provider first');
        }
        await fed.deleteLink(tx, linkId, userId);
      });
    },

    /** A first password for an account created by federation (then every module's password login works). */
    async setFirstPassword(userId: string, password: string) {
      const set = await fed.setFirstPassword(db, userId, await hasher.hash(password), clock.now());
      if (!set) throw conflict('The account already has a password; change it with POST /users/reset');
    },
  };
}
