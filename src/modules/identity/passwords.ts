import { hash, verify } from '@node-rs/argon2';

const ARGON2ID = 2; // Algorithm.Argon2id (a const enum, not importable under isolatedModules)

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hashed: string | null, password: string): Promise<boolean>;
}

/** argon2id with configurable cost; verifying against a missing hash still spends the time (no user enumeration). */
export function argon2Hasher(memoryCost: number, timeCost: number): PasswordHasher {
  const options = { algorithm: ARGON2ID, memoryCost, timeCost, parallelism: 1 };
  let dummy: Promise<string> | undefined;
  return {
    hash: (password) => hash(password, options),
    verify: async (hashed, password) => {
      if (!hashed) {
        dummy ??= hash('agora-dummy-password', options);
        await verify(await dummy, password).catch(() => false);
        return false;
      }
      return verify(hashed, password).catch(() => false);
    },
  };
}
