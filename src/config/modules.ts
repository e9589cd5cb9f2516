import { bool, duration, int, list, oneOf, str } from './vars.js';

/** The modules' own settings: notifications, messenger, back office, wishlist tokens, microblog, cinema. */
export const MODULE_VARS = {
  NOTIFICATIONS_MIN_INTERVAL: duration('300s', 'Shortest interval a recurring (cron) notification may have'),
  NOTIFICATIONS_MAX_ATTEMPTS: int(5, 'Attempts of one notification delivery before it is dead', 1),
  NOTIFICATIONS_SCHEDULER_INTERVAL: duration('1s', 'How often the notification scheduler looks for due sends'),
  NOTIFICATIONS_DIGEST_INTERVAL: duration(
    '1h',
    'At most one messenger email digest per offline chat member this often',
  ),
  MESSENGER_RATE_LIMIT_ENABLED: bool(true, 'Throttle messenger requests per session (off when a proxy does it)'),
  MESSENGER_RATE_LIMIT_PER_SECOND: int(200, 'Messenger requests per second per session (per IP when anonymous)', 1),
  MESSENGER_HISTORY_CACHE_TTL: duration('5m', 'How long a cached messenger history page lives (new messages evict it)'),
  MESSENGER_SEARCH_TTL: duration('5m', 'How long messenger search results are kept after the task completes'),
  BACKOFFICE_ACCESS_TOKEN_TTL: duration('5m', 'Lifetime of the backoffice access_token cookie and its JWT'),
  BACKOFFICE_REFRESH_TOKEN_TTL: duration(
    '1d',
    'Lifetime of the backoffice refresh_token cookie (rotated on every refresh)',
  ),
  BACKOFFICE_COOKIE_SAMESITE: oneOf(
    ['Strict', 'Lax', 'None'] as const,
    'Strict',
    'SameSite attribute of the backoffice auth cookies (None needs HTTPS: browsers drop SameSite=None without Secure)',
  ),
  BACKOFFICE_INSECURE_COOKIES: bool(
    false,
    'Send the backoffice auth cookies without Secure (plain-HTTP development only)',
  ),
  BACKOFFICE_TRUSTED_ORIGINS: list(
    [],
    'Origins (scheme://host[:port]) besides the API’s own that may send cookie-authenticated unsafe backoffice requests',
  ),
  BACKOFFICE_FILE_MAX_BYTES: int(
    20971520,
    'Largest backoffice upload (avatar, course image, lesson file), in bytes',
    1,
  ),
  BACKOFFICE_FILE_URL_TTL: duration('1h', 'Lifetime of the signed file URLs in backoffice responses'),
  WISHLIST_ACCESS_TOKEN_TTL: duration('1d', 'Lifetime of wishlist (SimpleJWT) access tokens'),
  WISHLIST_REFRESH_TOKEN_TTL: duration('7d', 'Lifetime of wishlist (SimpleJWT) refresh tokens; they are not rotated'),
  MICROBLOG_MEDIA_MAX_BYTES: int(10485760, 'Largest microblog image upload, in bytes (413 beyond)', 1),
  MICROBLOG_MEDIA_URL_PREFIX: str(
    '',
    'Path prefix written in tweet attachments; empty uses /api/medias (served at the root and under the mount), after X-Forwarded-Prefix when TRUST_PROXY',
  ),
  MICROBLOG_FEED_MAX_OFFSET: int(
    10000,
    'Deepest feed page by number: tweets skipped ((offset-1)*limit) beyond this answer 400; ?cursor= pages have no limit',
  ),
  MICROBLOG_MEDIA_UNATTACHED_TTL: duration('24h', 'An uploaded image never attached to a tweet is deleted after this'),
  CINEMA_CACHE_TTL: duration(
    '5m',
    'Lifetime of cached cinema catalogue answers (and their Cache-Control max-age for anonymous callers); 0 disables the cache',
  ),
  CINEMA_SEARCH_RANK_ALL: int(
    2000,
    'A cinema search whose rarest word is in fewer documents than this ranks every match; a commoner one ranks the 50+50 titles (names) nearest to the query first',
    1,
  ),
} as const;
