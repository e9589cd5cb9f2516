import { defineConfig } from 'drizzle-kit';

// One migration folder per module (drizzle/<module>/), so modules evolve independently.
// scripts/db.ts runs drizzle-kit once per module with these variables set.
const module = process.env.DRIZZLE_MODULE ?? 'identity';
const schema =
  module === 'platform' ? './src/platform/platform.tables.ts' : `./src/modules/${module}/${module}.tables.ts`;

export default defineConfig({
  dialect: 'postgresql',
  schema,
  out: process.env.DRIZZLE_OUT ?? `./drizzle/${module}`,
  schemaFilter: [module === 'platform' ? 'platform' : module],
  casing: 'snake_case',
});
