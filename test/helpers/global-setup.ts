import { writeMigratedTemplate } from '../../src/platform/db/pglite-template.js';

/**
 * Every test worker opens its embedded database from the migrated template (test/helpers/db.ts). `npm install`
 * makes it; after a migration was added or changed, it is made here once rather than by every worker.
 */
export default async function setup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return;
  await writeMigratedTemplate();
}
