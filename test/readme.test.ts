import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable, END, START } from '../scripts/config-table.js';

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('documents every configuration variable exactly as the schema has it (npm run docs:config)', () => {
    const block = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END)).trim();
    expect(block).toBe(configTable());
  });

  it('starts with the two commands', () => {
    const quick = readme.slice(0, 1500);
    expect(quick).toContain('npm install && npm start');
    expect(quick).toContain('npm test');
  });
});
