/** The native argon2 binding, loaded with the first password hashed or checked rather than at start-up. */
let binding: Promise<typeof import('@node-rs/argon2')> | undefined;
const argon2 = () => (binding ??= import('@node-rs/argon2'));
const hash = async (password: string, options: object) => (await argon2()).hash(password, options);
const verify = async (hashed: string, password: string) => (await argon2()).verify(hashed, password);

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
