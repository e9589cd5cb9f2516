import { existsSync } from 'node:fs';
import { templatePath, writeTemplate } from '../src/platform/db/pglite-template.js';

// postinstall: makes the embedded database's template so that the first `npm start` skips initdb.
// Never fails the install: without the template, a new data directory is initialised as before.
try {
  if (!existsSync(templatePath())) console.log(`agora: made ${await writeTemplate()}`);
} catch (err) {
  console.warn(`agora: no PGlite template (${(err as Error).message}); the first start runs initdb`);
}
