import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { fold } from '../../src/modules/cinema/cinema.text.js';
import { testApp } from '../helpers/app.js';
import { API, catalogue, loadShipped } from './helpers.js';

/** A deterministic generator (mulberry32): the same queries on every run. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(20261203);
const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** One edit of a kind an ES fuzzy query forgives: substitution, deletion, insertion or transposition. */
function typo(word: string): string {
  const i = 1 + Math.floor(rnd() * (word.length - 2)); // keep the first letter, as people mostly do
  switch (Math.floor(rnd() * 4)) {
    case 0: {
      let c = pick([...LETTERS]);
      while (c === word[i]) c = pick([...LETTERS]);
      return word.slice(0, i) + c + word.slice(i + 1);
    }
    case 1:
      return word.slice(0, i) + word.slice(i + 1);
    case 2:
      return word.slice(0, i) + pick([...LETTERS]) + word.slice(i);
    default:
      return word[i] === word[i + 1] || i + 1 >= word.length
        ? word.slice(0, i) + word.slice(i + 1)
        : word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  }
}

const words = (s: string) => s.split(/\s+/).filter(Boolean);
const alpha = (w: string) => /^[A-Za-z]+$/.test(w);

interface Case {
  kind: string;
  query: string;
  expected: string;
  persons?: boolean;
}

/** Films whose title is unique (folded): their exact title names one film. */
const titleCount = new Map<string, number>();
for (const f of catalogue.films) titleCount.set(fold(f.title), (titleCount.get(fold(f.title)) ?? 0) + 1);
const uniqueFilms = catalogue.films.filter((f) => titleCount.get(fold(f.title)) === 1 && f.title.length >= 3);
const sample = <T>(xs: T[], n: number) => {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < n && pool.length) out.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0]!);
  return out;
};

function buildCases(): Case[] {
  const cases: Case[] = [];
  for (const f of sample(uniqueFilms, 25)) cases.push({ kind: 'exact title', query: f.title, expected: f.id });

  const typoable = uniqueFilms.filter((f) => words(f.title).some((w) => alpha(w) && w.length >= 4));
  for (const f of sample(typoable, 25)) {
    const ws = words(f.title);
    const target = ws.filter((w) => alpha(w) && w.length >= 4).sort((a, b) => b.length - a.length)[0]!;
    const query = ws.map((w) => (w === target ? typo(w) : w)).join(' ');
    cases.push({ kind: 'one typo', query, expected: f.id });
  }

  const longWord = uniqueFilms.filter((f) => words(f.title).some((w) => alpha(w) && w.length >= 7));
  for (const f of sample(longWord, 20)) {
    const ws = words(f.title);
    const target = ws.filter((w) => alpha(w) && w.length >= 7).sort((a, b) => b.length - a.length)[0]!;
    let changed = typo(target);
    while (changed.length >= 7 && changed === target) changed = typo(target);
    const twice = typo(changed);
    cases.push({ kind: 'two typos', query: ws.map((w) => (w === target ? twice : w)).join(' '), expected: f.id });
  }

  const multi = uniqueFilms.filter((f) => words(f.title).length >= 3);
  for (const f of sample(multi, 15)) {
    const ws = words(f.title);
    const drop = Math.floor(rnd() * ws.length);
    cases.push({ kind: 'word missing', query: ws.filter((_, i) => i !== drop).join(' '), expected: f.id });
  }

  const nameCount = new Map<string, number>();
  for (const p of catalogue.persons) nameCount.set(fold(p.full_name), (nameCount.get(fold(p.full_name)) ?? 0) + 1);
  const people = catalogue.persons.filter(
    (p) => nameCount.get(fold(p.full_name)) === 1 && words(p.full_name).some((w) => alpha(w) && w.length >= 4),
  );
  for (const p of sample(people, 20)) {
    const ws = words(p.full_name);
    const target = ws.filter((w) => alpha(w) && w.length >= 4).sort((a, b) => b.length - a.length)[0]!;
    const query = ws.map((w) => (w === target ? typo(w) : w)).join(' ');
    cases.push({ kind: 'person with a typo', query, expected: p.id, persons: true });
  }
  return cases;
}

describe.each([
  ['every match ranked', '100000'],
  // as a 100k catalogue runs a common query: only the nearest titles and names are ranked
  ['nearest titles ranked', '20'],
])('cinema search quality on the shipped catalogue (%s)', (_, rankAll) => {
  let agora: Agora;
  beforeAll(async () => {
    agora = await testApp({ CINEMA_CACHE_TTL: '0', CINEMA_SEARCH_RANK_ALL: rankAll });
    await loadShipped(agora);
  });
  afterAll(async () => agora.app.close());

  it('finds the expected film or person in the top 3 for at least 80 generated queries', async () => {
    const cases = buildCases();
    expect(cases.length).toBeGreaterThanOrEqual(80);
    const hits = new Map<string, { hit: number; total: number; misses: string[] }>();
    for (const c of cases) {
      const url = `${API}/${c.persons ? 'persons' : 'films'}/search?query=${encodeURIComponent(c.query)}&page_size=3`;
      const res = await agora.app.inject({ method: 'GET', url });
      expect(res.statusCode, c.query).toBe(200);
      const top = res.json<{ id: string }[]>().map((r) => r.id);
      const row = hits.get(c.kind) ?? { hit: 0, total: 0, misses: [] };
      row.total++;
      if (top.includes(c.expected)) row.hit++;
      else row.misses.push(c.query);
      hits.set(c.kind, row);
    }
    const rate = (k: string) => hits.get(k)!.hit / hits.get(k)!.total;
    console.log(
      [...hits.entries()]
        .map(
          ([k, v]) =>
            `${k}: ${v.hit}/${v.total} (${Math.round((100 * v.hit) / v.total)}%)${v.misses.length ? ` misses: ${JSON.stringify(v.misses)}` : ''}`,
        )
        .join('\n'),
    );
    expect(rate('exact title')).toBe(1);
    expect(rate('one typo')).toBeGreaterThanOrEqual(0.95);
    expect(rate('two typos')).toBeGreaterThanOrEqual(0.85);
    expect(rate('word missing')).toBeGreaterThanOrEqual(0.85);
    expect(rate('person with a typo')).toBeGreaterThanOrEqual(0.95);
  });
});
