import { describe, expect, it } from 'vitest';
import { allowedEdits, editDistance, fold, pickVariants, tokens, toTsquery } from './cinema.text.js';

describe('cinema text rules', () => {
  it('folds case and accents', () => {
    expect(fold('AMÉLIE Poulain Straße Øresund')).toBe('amelie poulain strasse oresund');
    expect(tokens(fold("L'Été — d’Amélie, été!"))).toEqual(['l', 'ete', 'd', 'amelie']);
  });

  it('allows the edits of fuzziness AUTO', () => {
    expect(['ab', 'abc', 'abcde', 'abcdef'].map(allowedEdits)).toEqual([0, 1, 1, 2]);
  });

  it('counts a transposition as one edit and stops past the limit', () => {
    expect(editDistance('stories', 'storeis', 2)).toBe(1);
    expect(editDistance('star', 'sta', 1)).toBe(1);
    expect(editDistance('montmartre', 'mntmrtr', 2)).toBe(3);
    expect(editDistance('a', 'abcdef', 1)).toBe(2);
  });

  it('keeps variants within the allowed edits, nearest and commonest first', () => {
    const [w] = pickVariants(
      ['storeis'],
      ['stories', 'stores', 'story', 'storeis'].map((term, i) => ({ word: 'storeis', term, docs: 10 ** (3 - i) })),
    );
    // story is 3 edits away: neither a variant nor counted
    expect(w).toEqual({ word: 'storeis', variants: ['stories', 'stores'], likely: 'storeis', docs: 1101 });
    // an unknown word is most likely its commonest nearest variant
    const [x] = pickVariants(
      ['wras'],
      [
        { word: 'wras', term: 'eras', docs: 3 },
        { word: 'wras', term: 'wars', docs: 900 },
      ],
    );
    expect(x!.likely).toBe('wars');
    expect(toTsquery([w!], 'all')).toBe("('storeis' | 'storeis':* | 'stories' | 'stores')");
    expect(toTsquery([{ word: "o'x", variants: [], likely: "o'x", docs: 0 }], 'any')).toBe("('o''x' | 'o''x':*)");
  });
});
