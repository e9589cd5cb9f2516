import { Type } from 'typebox';
import { Password } from './identity.schemas.js';

const Uuid = Type.String({ format: 'uuid' });
const Opaque = Type.String({ minLength: 1, maxLength: 4096 });

export const ProviderParams = Type.Object({ provider: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }) });
export const IdentityIdParams = Type.Object({ id: Uuid });

export const Providers = Type.Array(
  Type.Object({
    name: Type.String(),
    authorization_url: Type.String({ description: 'Send the browser here to sign in with this provider' }),
  }),
);

/** The provider's redirect back: RFC 6749 §4.1.2 (code, state, iss) or §4.1.2.1 (error), plus VK's device_id. */
export const CallbackQuery = Type.Object(
  {
    code: Type.Optional(Opaque),
    state: Type.Optional(Opaque),
    iss: Type.Optional(Opaque),
    error: Type.Optional(Opaque),
    error_description: Type.Optional(Opaque),
    device_id: Type.Optional(Opaque),
  },
  { additionalProperties: true },
);

export const CodeExchangeBody = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 256, description: 'The one-time code of the front-end redirect' }),
});

export const LinkStarted = Type.Object({
  authorization_url: Type.String({ description: "Send the browser here; the provider's callback links the identity" }),
});

export const AcceptLinkBody = Type.Object({
  link_token: Type.String({ minLength: 1, maxLength: 256, description: 'From the 409 of a login by email' }),
});

export const LinkedIdentity = Type.Object({
  id: Uuid,
  provider: Type.String(),
  subject: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  email_verified: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  last_login_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const LinkedIdentities = Type.Object({
  identities: Type.Array(LinkedIdentity),
  has_password: Type.Boolean({ description: 'Whether the account can also sign in with a password' }),
});

export const FirstPasswordBody = Type.Object({ password: Password });

export const LinkRequired = Type.Object({
  detail: Type.String(),
  link_token: Type.Optional(
    Type.String({ description: 'Sign in to the account with this email and POST it to /auth/link (10 minutes)' }),
  ),
});
