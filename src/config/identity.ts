import { duration, int, oneOf, str } from './vars.js';

/** Identity: tokens and their keys, passwords, login limits, external sign-in, the OpenID provider, the first superuser. */
export const IDENTITY_VARS = {
  JWT_SECRET: str('', 'HS256 signing secret (≥32 chars). Required in production unless JWT_PRIVATE_KEY_FILE is set', {
    secret: true,
  }),
  JWT_PRIVATE_KEY_FILE: str(
    '',
    'PEM private key (RSA or EC) for asymmetric signing; publishes /idp/.well-known/jwks.json',
  ),
  JWT_ALGORITHM: oneOf(
    ['HS256', 'RS256', 'ES256'] as const,
    'HS256',
    'JWT signing algorithm (RS256/ES256 need JWT_PRIVATE_KEY_FILE)',
  ),
  JWT_ISSUER: str('agora', 'Issuer (iss) of access tokens'),
  JWT_AUDIENCE: str('agora', 'Audience (aud) of access tokens'),
  ACCESS_TOKEN_TTL: duration('5m', 'Lifetime of identity access tokens'),
  REFRESH_TOKEN_TTL: duration('7d', 'Lifetime of refresh tokens (rotated on every use)'),
  SESSION_TTL: duration('1h', 'Lifetime of opaque session ids (messenger sessions)'),
  SESSION_CACHE_TTL: duration('60s', 'How long a resolved credential is cached; revocation invalidates it at once'),
  TOKEN_FLUSH_INTERVAL: duration('1h', 'How often expired sessions and refresh tokens are purged'),
  ARGON2_MEMORY_KIB: int(19456, 'argon2id memory cost in KiB (OWASP minimum 19456)', 1024),
  ARGON2_ITERATIONS: int(2, 'argon2id time cost', 1),
  RATE_LIMIT_USER_PER_MINUTE: int(20, 'Requests per minute per user on identity endpoints (sliding window)', 1),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: int(10, 'Failed logins per account and IP per 15 minutes; past it that IP gets 429', 1),
  RATE_LIMIT_LOGIN_PER_ACCOUNT_ALL_IPS: int(
    100,
    "Failed logins per account from all addresses per 15 minutes (every module's login counts)",
    1,
  ),
  RATE_LIMIT_LOGIN_PER_IP: int(100, "Login attempts per IP per 15 minutes (every module's login counts)", 1),
  PUBLIC_URL: str(
    '',
    "External base URL (scheme://host[:port]) of this deployment: OAuth callback URLs, the OpenID issuer and the absolute links of API answers (page links, media URLs) are built from it, never from a request's Host header; empty uses http://localhost:<PORT> for the first two and the request's host for links",
  ),
  OAUTH_FRONTEND_REDIRECT_URL: str(
    '',
    'After an external login, send the browser here with ?code=<one-time code> for POST <identity>/api/v1/auth/token; empty answers the callback with the Token',
  ),
  OAUTH_RATE_LIMIT_PER_MINUTE: int(
    30,
    'Requests per minute per IP on external-login redirects, callbacks and code exchanges, and on the OpenID login page',
    1,
  ),
  OAUTH_GOOGLE_CLIENT_ID: str('', 'Google OAuth client id; set, it enables <identity>/api/v1/auth/google/'),
  OAUTH_GOOGLE_CLIENT_SECRET: str('', 'Google OAuth client secret', { secret: true }),
  OAUTH_GOOGLE_ISSUER: str(
    'https://accounts.google.com',
    'Google issuer URL; endpoints and signing keys come from its /.well-known/openid-configuration',
  ),
  OAUTH_GOOGLE_SCOPES: str('openid email profile', 'Scopes asked of Google'),
  OAUTH_VK_CLIENT_ID: str('', 'VK ID app id; set, it enables <identity>/api/v1/auth/vk/'),
  OAUTH_VK_CLIENT_SECRET: str('', 'VK ID app secret; empty sends none (VK ID relies on PKCE)', { secret: true }),
  OAUTH_VK_AUTHORIZATION_URL: str('https://id.vk.com/authorize', 'VK ID authorization endpoint'),
  OAUTH_VK_TOKEN_URL: str('https://id.vk.com/oauth2/auth', 'VK ID token endpoint (code + code_verifier + device_id)'),
  OAUTH_VK_USERINFO_URL: str(
    'https://id.vk.com/oauth2/user_info',
    'VK ID user endpoint (POST client_id, access_token)',
  ),
  OAUTH_VK_SCOPES: str('vkid.personal_info email', 'Scopes asked of VK ID'),
  OIDC_PROVIDER: oneOf(
    ['auto', 'on', 'off'] as const,
    'auto',
    'Agora as an OpenID provider (<identity>/.well-known/openid-configuration). auto: on in development, and in production when JWT_PRIVATE_KEY_FILE and PUBLIC_URL are set; on: production refuses to start without them',
  ),
  SUPERUSER_USERNAME: str('', 'Creates (or updates) this superuser at start-up when set with SUPERUSER_PASSWORD'),
  SUPERUSER_EMAIL: str('', 'Email of the SUPERUSER_USERNAME account'),
  SUPERUSER_PASSWORD: str('', 'Password of the SUPERUSER_USERNAME account', { secret: true }),
} as const;
