import type { Config } from '../../config.js';

/** Where browsers and other servers reach identity: PUBLIC_URL (or localhost:PORT) plus identity's mount. */
export function identityPublicUrl(config: Config): string {
  const origin = (config.PUBLIC_URL || `http://localhost:${config.PORT}`).replace(/\/+$/, '');
  return `${origin}${identityMount(config)}`;
}

/** Identity's mount prefix without its trailing slash ('' at the root). */
export const identityMount = (config: Config) => config.MOUNT_IDENTITY.replace(/\/+$/, '');
