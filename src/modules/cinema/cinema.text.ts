/**
 * Text rules of the catalogue search: folding (case and accents), tokens, Elasticsearch's `fuzziness: AUTO`
 * and the tsquery built from a query. Pure functions: the repository stores and queries what they produce.
 */

/** Lower case without diacritics ("Amélie" → "amelie"); stored beside titles and names, applied to queries. */
export const fold = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'o')
    .replace(/œ/g, 'oe')
    .replace(/ł/g, 'l')
    .replace(/đ/g, 'd');

const MAX_TOKENS = 8;
/** The words of a folded query, as the 'simple' text-search parser splits them (letters and digits). */
export const tokens = (folded: string) => [...new Set(folded.match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, MAX_TOKENS);

/** ES `fuzziness: AUTO`: no edit in words of 1–2 characters, one in 3–5, two in longer ones. */
export const allowedEdits = (word: string) => (word.length < 3 ? 0 : word.length <= 5 ? 1 : 2);

/** Optimal-string-alignment distance (an adjacent transposition is one edit, as in ES), or max + 1 beyond max. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let best = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
  }
  return rows[a.length]![b.length]!;
}

/** A lexeme as tsquery syntax reads it. */
const lexeme = (w: string) => `'${w.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

export interface QueryWord {
  word: string;
  /** Vocabulary words within the allowed edits (the word itself excluded). */
  variants: string[];
  /** The word as the vocabulary most likely means it: itself when known, else its nearest variant. */
  likely: string;
  /** Documents holding the word or a variant (an estimate from the vocabulary's counts). */
  docs: number;
}

/** The query with each unknown word replaced by its likely meaning (ranks titles by what was meant). */
export const likelyText = (words: QueryWord[]) => words.map((w) => w.likely).join(' ');

/** Prefix matching only for words long enough to narrow the catalogue. */
const PREFIX_MIN = 3;

/** One word's alternatives: itself, its prefix, its typo variants. */
const group = (w: QueryWord) =>
  [lexeme(w.word), ...(w.word.length >= PREFIX_MIN ? [`${lexeme(w.word)}:*`] : []), ...w.variants.map(lexeme)].join(
    ' | ',
  );

/** Every word (with its alternatives) must match: `mode: 'all'`; any of them: `mode: 'any'`. */
export const toTsquery = (words: QueryWord[], mode: 'all' | 'any') =>
  words.map((w) => `(${group(w)})`).join(mode === 'all' ? ' & ' : ' | ');

/** The exact words only: ranks documents holding the words as typed above their typo variants. */
export const exactTsquery = (words: QueryWord[]) => words.map((w) => lexeme(w.word)).join(' | ');

/** Keeps, per word, the vocabulary candidates within the allowed edits, nearest first, at most `max`. */
export function pickVariants(
  words: string[],
  candidates: { word: string; term: string; docs?: number }[],
  max = 30,
): QueryWord[] {
  return words.map((word) => {
    const edits = allowedEdits(word);
    const mine = candidates.filter((c) => c.word === word);
    const known = mine.some((c) => c.term === word);
    const lengthGap = (t: string) => Math.abs(t.length - word.length);
    const scored = mine
      .filter((c) => c.term !== word)
      .map((c) => ({ term: c.term, docs: Number(c.docs ?? 0), d: editDistance(word, c.term, edits) }))
      .filter((c) => c.d <= edits)
      // nearest first; among equals the commoner word (what people mostly mean), then a substitution or
      // transposition (same length) before a deletion
      .sort(
        (a, b) => a.d - b.d || b.docs - a.docs || lengthGap(a.term) - lengthGap(b.term) || a.term.localeCompare(b.term),
      );
    const variants = scored.slice(0, max).map((c) => c.term);
    const kept = new Set([word, ...variants]);
    const docs = mine.filter((c) => kept.has(c.term)).reduce((n, c) => n + Number(c.docs ?? 0), 0);
    return { word, variants, likely: known || !variants.length ? word : variants[0]!, docs };
  });
}
