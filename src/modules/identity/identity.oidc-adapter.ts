import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { oidcRepository as repo } from './identity.oidc.repository.js';

/**
 * An identifier the database can look up: what a client sends (a code, a token, a client id) goes into SQL
 * parameters, and PostgreSQL text holds no NUL. Anything else is simply not found.
 */
const lookable = (id: unknown): id is string =>
  typeof id === 'string' && id.length > 0 && id.length <= 2048 && !id.includes('\u0000');

/**
 * oidc-provider's storage in identity's tables (not memory), so that every instance sees the same sessions,
 * grants, codes and tokens. Registered clients come from identity.oidc_clients; their secret is kept hashed
 * (see identity.oidc-provider.ts for how it is compared).
 */
export function oidcAdapter(db: Db, clock: Clock) {
  const now = () => clock.now();
  const parse = (row: { payload: string; consumedAt: Date | null } | undefined): AdapterPayload | undefined =>
    row && {
      ...(JSON.parse(row.payload) as AdapterPayload),
      ...(row.consumedAt ? { consumed: Math.floor(row.consumedAt.getTime() / 1000) } : {}),
    };

  return class IdentityOidcAdapter implements Adapter {
    constructor(readonly kind: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
      const sessionUid = this.kind === 'Session' ? payload.uid : payload.sessionUid;
      await repo.upsertModel(db, {
        kind: this.kind,
        id,
        payload: JSON.stringify(payload),
        grantId: payload.grantId ?? null,
        sessionUid: sessionUid ?? null,
        userCode: payload.userCode ?? null,
        expiresAt: expiresIn ? new Date(now().getTime() + expiresIn * 1000) : null,
      });
    }

    async find(id: string) {
      if (!lookable(id)) return undefined;
      if (this.kind === 'Client') {
        const client = await repo.clientById(db, id);
        return (
          client && {
            ...client.metadata,
            client_id: client.clientId,
            ...(client.secretHash ? { client_secret: client.secretHash } : {}),
          }
        );
      }
      return parse(await repo.findModel(db, this.kind, id, now()));
    }

    async findByUid(uid: string) {
      return lookable(uid) ? parse(await repo.findModelBy(db, this.kind, { sessionUid: uid }, now())) : undefined;
    }

    async findByUserCode(userCode: string) {
      return lookable(userCode) ? parse(await repo.findModelBy(db, this.kind, { userCode }, now())) : undefined;
    }

    async consume(id: string) {
      if (lookable(id)) await repo.consumeModel(db, this.kind, id, now());
    }

    async destroy(id: string) {
      if (lookable(id)) await repo.destroyModel(db, this.kind, id);
    }

    async revokeByGrantId(grantId: string) {
      if (lookable(grantId)) await repo.revokeByGrantId(db, grantId);
    }
  };
}
