/**
 * npm run docs:config — rewrites the configuration table in README.md from the config schema.
 * test/readme.test.ts fails when the README table and the schema disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describeConfig } from '../src/config.js';

export const START = '<!-- config:start -->';
export const END = '<!-- config:end -->';

export function configTable(): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const rows = describeConfig().map(
    (v) =>
      `| \`${v.name}\` | ${v.kind} | ${v.default === '' ? '—' : `\`${esc(v.default)}\``} | ${esc(v.description)} |`,
  );
  return ['| variable | type | default | description |', '|---|---|---|---|', ...rows].join('\n');
}

if (process.argv[1]?.endsWith('config-table.ts')) {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1) throw new Error('README.md has no config markers');
  writeFileSync('README.md', `${readme.slice(0, start + START.length)}\n${configTable()}\n${readme.slice(end)}`);
  console.log('README.md configuration table updated');
}
