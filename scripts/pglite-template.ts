import { existsSync } from 'node:fs';
import { templatePath, writeMigratedTemplate, writeTemplate } from '../src/platform/db/pglite-template.js';

// postinstall: makes the embedded database's templates so that the first `npm start` skips initdb and the
// migrations. Never fails the install: without them, a new data directory is initialised and migrated as before.
try {
  if (!existsSync(templatePath())) console.log(`agora: made ${await writeTemplate()}`);
  console.log(`agora: migrated template ${await writeMigratedTemplate()}`);
} catch (err) {
  console.warn(`agora: no PGlite template (${(err as Error).message}); the first start runs initdb and migrations`);
}
