import { backofficeFixtures } from './backoffice.js';
import { cinemaFixtures } from './cinema.js';
import type { FixtureTable } from './fixtures.js';
import { filesFixtures } from './files.js';
import { identityFixtures } from './identity.js';
import { messengerFixtures } from './messenger.js';
import { microblogFixtures } from './microblog.js';
import { notificationsFixtures } from './notifications.js';
import { wishlistFixtures } from './wishlist.js';

export { Fixtures, type Actor } from './fixtures.js';

/** Every module's fixtures for the conformance walk. A new module adds its table file and one line here. */
export const FIXTURES: FixtureTable = {
  ...identityFixtures,
  ...wishlistFixtures,
  ...filesFixtures,
  ...messengerFixtures,
  ...microblogFixtures,
  ...backofficeFixtures,
  ...notificationsFixtures,
  ...cinemaFixtures,
};
