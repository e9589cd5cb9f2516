import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { pgArray, query } from './cinema.sql.js';

export interface FilmRow {
  id: string;
  title: string;
  rating: number | null;
}
export interface FilmDetailRow extends FilmRow {
  description: string | null;
  creation_date: string | null;
  type: string;
  file: string | null;
  genres: { id: string; name: string }[];
  persons: { id: string; full_name: string; role: string }[];
}
export interface UserFieldsRow {
  id: string;
  user_sum: number;
  user_count: number;
  my_rating: number | null;
  bookmarked: boolean;
}
export interface GenreRow {
  id: string;
  name: string;
  description: string | null;
}
export interface PersonRow {
  id: string;
  full_name: string;
  films: { uuid: string; roles: ('actor' | 'director' | 'writer')[] }[];
}

const NO_USER = '00000000-0000-0000-0000-000000000000';

/** A person's films with their roles, as one JSON column. */
const PERSON_FILMS = sql`coalesce((select json_agg(json_build_object('uuid', x.film_id, 'roles', x.roles) order by x.film_id)
  from (select fp.film_id, array_agg(fp.role order by fp.role) as roles from cinema.film_persons fp
        where fp.person_id = p.id group by fp.film_id) x), '[]'::json) as films`;

export const catalogueRepository = {
  /** A page of films by rating (nulls last), optionally of one genre (from the link table's rating copy). */
  async filmsPage(db: Db, o: { desc: boolean; genre?: string; limit: number; offset: number }): Promise<FilmRow[]> {
    const dir = o.desc ? sql`desc` : sql`asc`;
    if (o.genre) {
      return query(
        db,
        sql`select f.id, f.title, f.rating from cinema.film_genres g join cinema.films f on f.id = g.film_id
          where g.genre_id = ${o.genre} order by g.film_rating ${dir} nulls last, g.film_id
          limit ${o.limit} offset ${o.offset}`,
      );
    }
    return query(
      db,
      sql`select id, title, rating from cinema.films order by rating ${dir} nulls last, id
        limit ${o.limit} offset ${o.offset}`,
    );
  },

  /** Users' aggregates of the given films, and the caller's rating and bookmark (one statement). */
  async userFields(db: Db, ids: string[], userId: string | undefined): Promise<UserFieldsRow[]> {
    if (!ids.length) return [];
    const user = userId ?? NO_USER;
    return query(
      db,
      sql`select f.id, f.user_sum, f.user_count, r.rating as my_rating, (b.id is not null) as bookmarked
        from cinema.films f
        left join cinema.ratings r on r.film_id = f.id and r.user_id = ${user}
        left join cinema.bookmarks b on b.film_id = f.id and b.user_id = ${user}
        where f.id = any(${pgArray(ids)}::uuid[])`,
    );
  },

  async filmDetail(db: Db, id: string): Promise<FilmDetailRow | undefined> {
    const [row] = await query<FilmDetailRow>(
      db,
      sql`select f.id, f.title, f.rating, f.description, f.creation_date::text as creation_date, f.type, f.file,
        coalesce((select json_agg(json_build_object('id', g.id, 'name', g.name) order by g.name, g.id)
          from cinema.film_genres fg join cinema.genres g on g.id = fg.genre_id where fg.film_id = f.id), '[]'::json)
          as genres,
        coalesce((select json_agg(json_build_object('id', p.id, 'full_name', p.full_name, 'role', fp.role)
            order by p.full_name, p.id)
          from cinema.film_persons fp join cinema.persons p on p.id = fp.person_id where fp.film_id = f.id), '[]'::json)
          as persons
        from cinema.films f where f.id = ${id}`,
    );
    return row;
  },

  async genres(db: Db): Promise<GenreRow[]> {
    return query(db, sql`select id, name, description from cinema.genres order by name, id`);
  },

  async genre(db: Db, id: string): Promise<GenreRow | undefined> {
    const [row] = await query<GenreRow>(db, sql`select id, name, description from cinema.genres where id = ${id}`);
    return row;
  },

  /** Persons with their films and roles, in the order of `ids`. */
  async persons(db: Db, ids: string[]): Promise<PersonRow[]> {
    if (!ids.length) return [];
    const rows = await query<PersonRow>(
      db,
      sql`select p.id, p.full_name, ${PERSON_FILMS} from cinema.persons p where p.id = any(${pgArray(ids)}::uuid[])`,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is PersonRow => Boolean(r));
  },

  async personExists(db: Db, id: string): Promise<boolean> {
    return (await query(db, sql`select 1 from cinema.persons where id = ${id}`)).length > 0;
  },

  /** A person's films (each once, whatever the roles), best rated first. */
  async personFilms(db: Db, id: string): Promise<FilmRow[]> {
    return query(
      db,
      sql`select f.id, f.title, f.rating from cinema.films f
        where f.id in (select fp.film_id from cinema.film_persons fp where fp.person_id = ${id})
        order by f.rating desc nulls last, f.id`,
    );
  },

  async filmExists(db: Db, id: string): Promise<boolean> {
    return (await query(db, sql`select 1 from cinema.films where id = ${id}`)).length > 0;
  },
};
