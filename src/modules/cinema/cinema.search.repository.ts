import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { pgArray, query } from './cinema.sql.js';

/** A film's search document: title (A), its persons' names (B), description (C), over the folded texts. */
const FILM_DOCUMENT = sql`setweight(to_tsvector('simple', f.title_folded), 'A')
  || setweight(to_tsvector('simple', coalesce((select string_agg(p.name_folded, ' ')
       from cinema.film_persons fp join cinema.persons p on p.id = fp.person_id where fp.film_id = f.id), '')), 'B')
  || setweight(to_tsvector('simple', coalesce(f.description_folded, '')), 'C')`;

/** Words made of letters and digits only go to the vocabulary (hyphenated compounds also appear as parts). */
const WORD = sql`'^[[:alnum:]]+$'`;

export interface Hit {
  id: string;
}

export interface RankedQuery {
  tsquery: string;
  exact: string;
  text: string;
  likely: string;
  limit: number;
  offset: number;
  /** Rank only this many nearest titles (names) per trigram measure; undefined ranks every match. */
  nearest?: number;
}

export const searchRepository = {
  /** Rebuilds the search documents of the given films (or all) and adds their words to the vocabulary. */
  async refreshFilms(db: Db, filmIds: string[] | 'all'): Promise<void> {
    if (filmIds !== 'all' && !filmIds.length) return;
    const which = filmIds === 'all' ? sql`true` : sql`f.id = any(${pgArray(filmIds)}::uuid[])`;
    await db.execute(sql`update cinema.films f set search = ${FILM_DOCUMENT} where ${which}`);
    await db.execute(sql`insert into cinema.search_terms (term, docs)
      select w, count(*) from cinema.films f, unnest(tsvector_to_array(f.search)) w where ${which} and w ~ ${WORD}
      group by w
      on conflict (term) do update set docs = cinema.search_terms.docs + excluded.docs`);
  },

  /** Rebuilds the given persons' documents (or all), then those of their films (names are in them). */
  async refreshPersons(db: Db, personIds: string[] | 'all'): Promise<void> {
    if (personIds !== 'all' && !personIds.length) return;
    const which = personIds === 'all' ? sql`true` : sql`p.id = any(${pgArray(personIds)}::uuid[])`;
    await db.execute(sql`update cinema.persons p set search = to_tsvector('simple', p.name_folded) where ${which}`);
    await db.execute(sql`insert into cinema.search_terms (term)
      select distinct w from cinema.persons p, unnest(tsvector_to_array(p.search)) w where ${which} and w ~ ${WORD}
      on conflict (term) do nothing`);
    if (personIds === 'all') return;
    const films = await query<{ film_id: string }>(
      db,
      sql`select distinct film_id from cinema.film_persons where person_id = any(${pgArray(personIds)}::uuid[])`,
    );
    await searchRepository.refreshFilms(
      db,
      films.map((f) => f.film_id),
    );
  },

  /**
   * Vocabulary words within `fuzziness: AUTO` of each query word (Levenshtein ≤ edits + 1 here, so that a
   * transposition survives; the service keeps those within the allowed edits by OSA distance).
   */
  async variants(db: Db, words: string[]): Promise<{ word: string; term: string; docs: number }[]> {
    if (!words.length) return [];
    return query(
      db,
      sql`select q.word, t.term, t.docs from unnest(${pgArray(words)}::text[]) as q(word)
        cross join lateral (select case when length(q.word) <= 5 then 1 else 2 end as e) k
        cross join lateral (
          select s.term, s.docs from cinema.search_terms s
          where length(s.term) between length(q.word) - k.e and length(q.word) + k.e
            and levenshtein_less_equal(s.term, q.word, k.e + 1) <= k.e + 1
          order by levenshtein_less_equal(s.term, q.word, k.e + 1), s.term
          limit 100) t`,
    );
  },

  /**
   * Films matching the tsquery, by relevance: the full query's rank, the exact words' rank (typed words above
   * their typo variants) and the title's trigram similarity to the query as typed and as corrected; then rating.
   * With `nearest`, only the films whose titles are nearest to the query (trigram distance, whole title and
   * best-matching words, from the GiST index) are ranked: a common word matching most of the catalogue costs
   * a few hundred rows instead of all of them.
   */
  async films(db: Db, q: RankedQuery): Promise<{ id: string; title: string; rating: number | null }[]> {
    const from = q.nearest
      ? sql`(select f.* from cinema.films f join (
            (select id from cinema.films order by title_folded <-> ${q.likely} limit ${q.nearest})
            union (select id from cinema.films order by ${q.likely} <<-> title_folded limit ${q.nearest})) c
          on c.id = f.id) films`
      : sql`cinema.films`;
    return query(
      db,
      sql`select id, title, rating from ${from}
        where search @@ ${q.tsquery}::tsquery
        order by ts_rank(search, ${q.tsquery}::tsquery) + ts_rank(search, ${q.exact}::tsquery)
            + similarity(title_folded, ${q.text}) + similarity(title_folded, ${q.likely}) desc,
          rating desc nulls last, id
        limit ${q.limit} offset ${q.offset}`,
    );
  },

  /** Persons matching the tsquery by relevance (rank of the words, trigram similarity of the name). */
  async persons(db: Db, q: RankedQuery): Promise<Hit[]> {
    const from = q.nearest
      ? sql`(select p.* from cinema.persons p join (
            (select id from cinema.persons order by name_folded <-> ${q.likely} limit ${q.nearest})
            union (select id from cinema.persons order by ${q.likely} <<-> name_folded limit ${q.nearest})) c
          on c.id = p.id) persons`
      : sql`cinema.persons`;
    return query(
      db,
      sql`select id from ${from}
        where search @@ ${q.tsquery}::tsquery
        order by ts_rank(search, ${q.tsquery}::tsquery) + ts_rank(search, ${q.exact}::tsquery)
            + similarity(name_folded, ${q.text}) + similarity(name_folded, ${q.likely}) desc,
          full_name, id
        limit ${q.limit} offset ${q.offset}`,
    );
  },
};
