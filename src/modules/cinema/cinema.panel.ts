import { defineAdmin, invalidFields, type AdminResource } from '../../platform/admin/resource.js';
import { AppError } from '../../platform/errors.js';
import type { Db } from '../../platform/db/database.js';
import type { IdentityApi } from '../identity/index.js';
import type { AdminService, FilmFields } from './cinema.admin.js';
import { linkResource, reviewResource } from './cinema.panel.links.js';
import { panelRepository as repo, UUID } from './cinema.panel.repository.js';
import { films, genres, persons } from './cinema.tables.js';
import type { UgcService } from './cinema.ugc.js';

type Row = Record<string, unknown>;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const FILM_TYPES = [
  { value: 'movie', label: 'movie' },
  { value: 'tv_show', label: 'TV show' },
];

/** A record the service says is gone reads as "no such record" (the panel's 404). */
export const orNone = async <T>(load: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await load();
  } catch (err) {
    if (err instanceof AppError && err.status === 404) return undefined;
    throw err;
  }
};
const nullable = (v: unknown) => (v === '' || v === undefined ? null : (v as string));

/** The film form as the administration's service takes it (rating 0–100, genres by id). */
function filmFields(v: Row): FilmFields & { title: string } {
  const date = nullable(v.creation_date);
  if (date !== null && (!ISO_DATE.test(date) || Number.isNaN(Date.parse(date))))
    throw invalidFields({ creation_date: 'Enter a date as YYYY-MM-DD.' });
  const genreIds = (v.genres as string[] | undefined) ?? [];
  const bad = genreIds.find((g) => !UUID.test(g));
  if (bad) throw invalidFields({ genres: `Not a genre id: ${bad}` });
  return {
    title: String(v.title),
    description: nullable(v.description),
    creation_date: date,
    rating: (v.rating as number | null | undefined) ?? null,
    type: String(v.type),
    file: nullable(v.file),
    genres: genreIds,
  };
}

/** What the admin panel shows of the cinema: the catalogue, person–film links and reviews. Writes go through
 * the administration service (search documents rebuilt in the write's transaction, cache version moved). */
export function cinemaPanel(d: { db: Db; admin: AdminService; ugc: UgcService; identity: IdentityApi }) {
  const { db, admin } = d;
  const withGenreNames = async (id: string) => {
    const film = await orNone(() => admin.film(id));
    return film && { ...film, genreNames: (await repo.genresOfFilm(db, id)).map((g) => g.name) };
  };

  const filmResource: AdminResource = {
    name: 'films',
    label: 'Films',
    source: { table: films, id: films.id },
    columns: [
      { key: 'title', label: 'Title' },
      { key: 'type', label: 'Type' },
      { key: 'creationDate', label: 'Created on' },
      { key: 'rating', label: 'IMDb rating' },
      { key: 'userCount', label: 'User ratings' },
    ],
    // Titles are searched folded (lower case, no accents) through the trigram index.
    search: [films.titleFolded, films.id],
    searchHint: 'title or film id',
    filters: [{ name: 'type', label: 'Type', column: films.type, options: FILM_TYPES }],
    fields: [
      { name: 'title', required: true, maxLength: 500 },
      { name: 'description', type: 'textarea', maxLength: 20_000 },
      { name: 'creation_date', label: 'Created on', help: 'YYYY-MM-DD; empty for unknown', maxLength: 10 },
      { name: 'rating', type: 'number', min: 0, max: 100, help: '0–100 (the API shows imdb_rating = rating / 10)' },
      { name: 'type', type: 'select', options: FILM_TYPES, required: true },
      { name: 'file', help: 'Short name of a files-service object; empty for none', maxLength: 200 },
      { name: 'genres', type: 'list', help: 'Genre ids, one per line (see Genres)' },
      { name: 'genreNames', label: 'Genre names', readOnly: true },
    ],
    title: (f: Row) => String(f.title),
    get: async (id) => (UUID.test(id) ? withGenreNames(id) : undefined),
    create: (v) => admin.createFilm(filmFields(v)),
    update: (id, v) => admin.updateFilm(id, filmFields(v)),
    delete: (id) => admin.deleteFilm(id),
    inlines: [
      {
        label: 'People',
        columns: [
          { key: 'fullName', label: 'Name' },
          { key: 'role', label: 'Role' },
        ],
        link: { resource: 'links', key: 'link' },
        load: (id) => repo.personsOfFilm(db, id),
      },
      {
        label: 'Most helpful reviews',
        columns: [
          { key: 'review', label: 'Review' },
          { key: 'likes', label: 'Likes' },
          { key: 'dislikes', label: 'Dislikes' },
        ],
        link: { resource: 'reviews', key: 'id' },
        load: (id) => repo.reviewsOfFilm(db, id),
      },
    ],
  };

  const genreResource: AdminResource = {
    name: 'genres',
    label: 'Genres',
    source: { table: genres, id: genres.id },
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'description', label: 'Description' },
    ],
    search: [genres.name, genres.id],
    searchHint: 'name or genre id',
    fields: [
      { name: 'name', required: true, maxLength: 200 },
      { name: 'description', type: 'textarea', maxLength: 5000 },
    ],
    title: (g: Row) => String(g.name),
    get: async (id) => (UUID.test(id) ? orNone(() => admin.genre(id)) : undefined),
    create: (v) => admin.createGenre({ name: String(v.name), description: nullable(v.description) }),
    update: (id, v) => admin.updateGenre(id, { name: String(v.name), description: nullable(v.description) }),
    delete: (id) => admin.deleteGenre(id),
    inlines: [
      {
        label: 'Best-rated films',
        columns: [
          { key: 'title', label: 'Title' },
          { key: 'rating', label: 'IMDb rating' },
        ],
        link: { resource: 'films', key: 'filmId' },
        load: (id) => repo.filmsOfGenre(db, id),
      },
    ],
  };

  const personResource: AdminResource = {
    name: 'persons',
    label: 'Persons',
    source: { table: persons, id: persons.id },
    columns: [
      { key: 'fullName', label: 'Name' },
      { key: 'gender', label: 'Gender' },
    ],
    search: [persons.nameFolded, persons.id],
    searchHint: 'name or person id',
    fields: [
      { name: 'full_name', label: 'Full name', required: true, maxLength: 300 },
      { name: 'gender', maxLength: 50 },
    ],
    title: (p: Row) => String(p.full_name),
    get: async (id) => (UUID.test(id) ? orNone(() => admin.person(id)) : undefined),
    create: (v) => admin.createPerson({ full_name: String(v.full_name), gender: nullable(v.gender) }),
    update: (id, v) => admin.updatePerson(id, { full_name: String(v.full_name), gender: nullable(v.gender) }),
    delete: (id) => admin.deletePerson(id),
    inlines: [
      {
        label: 'Films',
        columns: [
          { key: 'title', label: 'Title' },
          { key: 'role', label: 'Role' },
        ],
        link: { resource: 'films', key: 'filmId' },
        load: (id) => repo.filmsOfPerson(db, id),
      },
    ],
  };

  return defineAdmin({
    module: 'cinema',
    label: 'Cinema',
    resources: [filmResource, genreResource, personResource, linkResource(d), reviewResource(d)],
  });
}
