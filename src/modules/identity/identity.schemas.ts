import { Type, type Static } from 'typebox';

export const Username = Type.String({ minLength: 1, maxLength: 150, pattern: '^[\\w.@+-]+$' });
export const Password = Type.String({ minLength: 8, maxLength: 128 });
const Uuid = Type.String({ format: 'uuid' });

export const Detail = Type.Object({
  detail: Type.String(),
  errors: Type.Optional(
    Type.Array(
      Type.Object({
        loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
        msg: Type.String(),
        type: Type.String(),
      }),
    ),
  ),
});

export const User = Type.Object({
  id: Uuid,
  username: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  emailVerified: Type.Boolean(),
  createdTimestamp: Type.Integer({ description: 'ms since epoch' }),
  enabled: Type.Boolean(),
  firstName: Type.String(),
  lastName: Type.String(),
});
export type UserOut = Static<typeof User>;

export const RegisterBody = Type.Object({
  username: Username,
  email: Type.String({ format: 'email', maxLength: 254 }),
  password: Password,
  first_name: Type.Optional(Type.String({ maxLength: 150 })),
  last_name: Type.Optional(Type.String({ maxLength: 150 })),
});

/** Text the server trims before use: blank (whitespace only) is refused. */
const NonBlank = (opts: { maxLength: number; description?: string }) =>
  Type.String({ minLength: 1, pattern: '\\S', ...opts });
export const TokenBody = Type.Object(
  {
    login: Type.Optional(NonBlank({ maxLength: 254, description: 'username or email' })),
    username: Type.Optional(NonBlank({ maxLength: 254, description: 'alias of login' })),
    password: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { anyOf: [{ required: ['login'] }, { required: ['username'] }] },
);

export const Token = Type.Object({
  access_token: Type.String(),
  expires_in: Type.Integer(),
  refresh_expires_in: Type.Integer(),
  refresh_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  scope: Type.String(),
  session_state: Type.String(),
});

export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 4096 }) });
export const LogoutBody = Type.Object({ refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })) });
export const IntrospectBody = Type.Object({ token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })) });
export const Introspection = Type.Object(
  {
    valid: Type.Boolean(),
    active: Type.Boolean(),
    sub: Type.Optional(Type.String()),
    sid: Type.Optional(Type.String()),
    exp: Type.Optional(Type.Integer()),
    iat: Type.Optional(Type.Integer()),
    username: Type.Optional(Type.String()),
    roles: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true },
);

const KeepApiKeys = Type.Optional(
  Type.Boolean({ default: false, description: 'Keep the API keys (they are revoked by default)' }),
);
export const ResetBody = Type.Object({
  old_password: Type.String({ minLength: 1, maxLength: 128 }),
  password: Password,
  keep_api_keys: KeepApiKeys,
});
export const LogoutAllBody = Type.Object({ keep_api_keys: KeepApiKeys });

export const Me = Type.Object({
  user_id: Uuid,
  username: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  email_verified: Type.Boolean(),
  roles: Type.Array(Type.String()),
});

export const Session = Type.Object({
  id: Uuid,
  ipAddress: Type.String(),
  start: Type.Integer({ description: 'ms since epoch' }),
  lastAccess: Type.Integer({ description: 'ms since epoch' }),
  clients: Type.Record(Type.String(), Type.String()),
});

export const UserIdParams = Type.Object({ user_id: Uuid });
export const RoleIdParams = Type.Object({ role_id: Uuid });
export const RoleUserParams = Type.Object({ role_id: Uuid, user_id: Uuid });
export const KeyIdParams = Type.Object({ id: Uuid });

export const UsersQuery = Type.Object({
  page_number: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
  page_size: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  search: Type.Optional(Type.String({ maxLength: 100 })),
});

const PermissionList = Type.Array(Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\w.:-]+$' }), {
  maxItems: 200,
});
export const Role = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Type.String(),
  permissions: Type.Array(Type.String()),
});
export const RoleCreate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\w.:-]+$' }),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  permissions: Type.Optional(PermissionList),
});
export const RoleUpdate = Type.Object({
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  permissions: Type.Optional(PermissionList),
});
export const RoleAssign = Type.Object({ users: Type.Array(Uuid, { maxItems: 1000 }) });

const Scope = Type.String({ minLength: 1, maxLength: 64, pattern: '^([a-z*]+:(read|write)|admin)$' });
export const ApiKeyCreate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'not blank' }),
  scopes: Type.Optional(
    Type.Array(Scope, {
      minItems: 1,
      maxItems: 20,
      description:
        '`<module>:read` or `<module>:write` (`*` = every module), and `admin` (admins only). Default `*:write`',
    }),
  ),
});
export const ApiKey = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export const ApiKeyCreated = Type.Object({ ...ApiKey.properties, key: Type.String({ description: 'shown once' }) });

/** RFC 7517 key set; each key keeps its own members (kty, kid, alg, use, n, e, crv, x, y). */
export const Jwks = Type.Object({
  keys: Type.Array(Type.Object({ kty: Type.String() }, { additionalProperties: true })),
});
