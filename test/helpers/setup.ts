import { beforeAll } from 'vitest';
import { resetDatabase } from './db.js';

beforeAll(async () => {
  await resetDatabase();
});
