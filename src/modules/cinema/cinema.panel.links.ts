import { invalidFields, type AdminResource } from '../../platform/admin/resource.js';
import { AppError } from '../../platform/errors.js';
import type { Db } from '../../platform/db/database.js';
import type { IdentityApi } from '../identity/index.js';
import type { AdminService } from './cinema.admin.js';
import { panelRepository as repo, UUID } from './cinema.panel.repository.js';
import { filmPersons, reviews } from './cinema.tables.js';
import type { UgcService } from './cinema.ugc.js';

type Row = Record<string, unknown>;
interface Deps {
  db: Db;
  admin: AdminService;
  ugc: UgcService;
  identity: IdentityApi;
}
const ROLES = ['actor', 'director', 'writer'].map((r) => ({ value: r, label: r }));

/** Film titles and person names for a page of rows (one query each). */
const labelled =
  (db: Db) =>
  async (rows: Row[]): Promise<Row[]> => {
    const [titles, names] = await Promise.all([
      repo.filmTitles(
        db,
        rows.map((r) => String(r.filmId)),
      ),
      repo.personNames(
        db,
        rows.flatMap((r) => (r.personId ? [String(r.personId)] : [])),
      ),
    ]);
    return rows.map((r) => ({
      ...r,
      film: titles.get(String(r.filmId)) ?? r.filmId,
      ...(r.personId ? { person: names.get(String(r.personId)) ?? r.personId } : {}),
    }));
  };

/** The person–film links (film, person, role: the table's key); the record id is `film~person~role`. */
export function linkResource({ db, admin }: Deps): AdminResource {
  const parse = (id: string) => {
    const [filmId = '', personId = '', role = ''] = id.split('~');
    return UUID.test(filmId) && UUID.test(personId) && ROLES.some((r) => r.value === role)
      ? { filmId, personId, role }
      : undefined;
  };
  return {
    name: 'links',
    label: 'Person–film links',
    source: { table: filmPersons, id: filmPersons.filmId, key: [filmPersons.personId, filmPersons.role] },
    columns: [
      { key: 'film', label: 'Film' },
      { key: 'person', label: 'Person' },
      { key: 'role', label: 'Role' },
    ],
    search: [filmPersons.filmId, filmPersons.personId],
    searchHint: 'film id or person id',
    filters: [{ name: 'role', label: 'Role', column: filmPersons.role, options: ROLES }],
    // By film: the primary key's index; by person: film_persons_person_idx.
    ordering: [
      { key: 'film', label: 'Film', column: filmPersons.filmId },
      { key: 'person', label: 'Person', column: filmPersons.personId },
    ],
    decorate: labelled(db),
    fields: [
      { name: 'filmId', label: 'Film id', required: true, createOnly: true },
      { name: 'personId', label: 'Person id', required: true, createOnly: true },
      { name: 'role', type: 'select', options: ROLES, required: true, createOnly: true },
      { name: 'film', readOnly: true },
      { name: 'person', readOnly: true },
    ],
    title: (l: Row) => `${String(l.person)} (${String(l.role)}) in ${String(l.film)}`,
    async get(id) {
      const key = parse(id);
      const row = key && (await repo.link(db, key.filmId, key.personId, key.role));
      return row && (await labelled(db)([row]))[0];
    },
    async create(v) {
      const [filmId, personId, role] = [String(v.filmId), String(v.personId), String(v.role)];
      if (!UUID.test(filmId)) throw invalidFields({ filmId: 'Enter a film id (a UUID).' });
      if (!UUID.test(personId)) throw invalidFields({ personId: 'Enter a person id (a UUID).' });
      try {
        await admin.linkPerson(filmId, personId, role);
      } catch (err) {
        if (err instanceof AppError && err.status === 404)
          throw invalidFields(
            err.message.startsWith('film')
              ? { filmId: 'No film has this id.' }
              : { personId: 'No person has this id.' },
          );
        throw err;
      }
      return { filmId, personId, role };
    },
    delete: async (id) => {
      const key = parse(id)!;
      await admin.unlinkPerson(key.filmId, key.personId, key.role);
    },
  };
}

/** Users' reviews: read in the panel, removed for moderation through the user-content service. */
export function reviewResource({ db, ugc, identity }: Deps): AdminResource {
  const decorate = async (rows: Row[]) => {
    const [films, names] = await Promise.all([
      labelled(db)(rows),
      identity.usernames(rows.map((r) => String(r.userId))),
    ]);
    return films.map((r) => ({ ...r, user: names.get(String(r.userId)) ?? r.userId }));
  };
  return {
    name: 'reviews',
    label: 'Reviews',
    source: { table: reviews, id: reviews.id },
    columns: [
      { key: 'film', label: 'Film' },
      { key: 'user', label: 'User' },
      { key: 'review', label: 'Review', value: (r: Row) => String(r.review).slice(0, 120) },
      { key: 'likes', label: 'Likes' },
      { key: 'dislikes', label: 'Dislikes' },
      { key: 'createdAt', label: 'Written' },
    ],
    search: [reviews.id, reviews.filmId, reviews.userId],
    searchHint: 'review, film or user id',
    decorate,
    fields: [
      { name: 'film', readOnly: true },
      { name: 'filmId', label: 'Film id', readOnly: true },
      { name: 'user', readOnly: true },
      { name: 'review', type: 'textarea', readOnly: true },
      { name: 'likes', readOnly: true },
      { name: 'dislikes', readOnly: true },
      { name: 'helpfulness', readOnly: true },
      { name: 'createdAt', label: 'Written', readOnly: true },
    ],
    title: (r: Row) => `Review by ${String(r.user)} of ${String(r.film)}`,
    async get(id) {
      const row = UUID.test(id) ? await repo.review(db, id) : undefined;
      return row && (await decorate([row]))[0];
    },
    delete: (id) => ugc.removeReview(id),
  };
}
