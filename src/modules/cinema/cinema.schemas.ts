import { Type, type Static } from 'typebox';

export const Uuid = Type.String({ format: 'uuid' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** FastAPI's error bodies. */
export const Detail = Type.Object({ detail: Type.String() });
export const ValidationDetail = Type.Object({
  detail: Type.Array(
    Type.Object({
      loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
      msg: Type.String(),
      type: Type.String(),
    }),
  ),
});
export const errors = { 401: Detail, 403: Detail, 404: Detail, 422: ValidationDetail };
export const bearer: Record<string, string[]>[] = [{ bearer: [] }];
/** Reads serve anonymous callers; a bearer token adds the caller's own fields. */
export const optionalBearer: Record<string, string[]>[] = [{}, { bearer: [] }];

/** ES's max_result_window: deeper pages answer 422 rather than scanning the whole catalogue. */
export const MAX_WINDOW = 10_000;
const pageNumber = Type.Integer({ minimum: 1, default: 1, description: `1-based; page × size ≤ ${MAX_WINDOW}` });
const pageSize = Type.Integer({ minimum: 1, maximum: 100, default: 10 });
export const Page = Type.Object({ page_number: pageNumber, page_size: pageSize });
export type PageQuery = Static<typeof Page>;

export const FilmsQuery = Type.Object({
  page_number: pageNumber,
  page_size: pageSize,
  sort: Type.Union([Type.Literal('imdb_rating'), Type.Literal('-imdb_rating')], { default: '-imdb_rating' }),
  genre: Type.Optional(Uuid),
});
export const SearchQuery = Type.Object({
  query: Type.String({ minLength: 3, maxLength: 200 }),
  page_number: pageNumber,
  page_size: pageSize,
});

export const FilmParams = Type.Object({ film_id: Uuid });
export const GenreParams = Type.Object({ genre_id: Uuid });
export const PersonParams = Type.Object({ person_id: Uuid });
/**
 * The seed's review routes share one path, `/films/reviews/{id}`: a film's id for POST and GET, a review's for
 * PATCH (two names for one path would make two paths no router can tell apart).
 */
export const ReviewsFilmParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'the film id' }) });
export const ReviewIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'the review id' }) });
export const BookmarkParams = Type.Object({ bookmark_id: Uuid });

export const Film = Type.Object({
  id: Uuid,
  title: Type.String(),
  imdb_rating: Nullable(Type.Number()),
  user_rating: Type.Number(),
  user_count: Type.Integer(),
  my_rating: Nullable(Type.Integer()),
  is_bookmarked: Type.Boolean(),
});
export type FilmOut = Static<typeof Film>;
const Named = Type.Object({ id: Uuid, name: Type.String() });
const PersonRef = Type.Object({ id: Uuid, full_name: Type.String() });
export const FilmDetailed = Type.Intersect([
  Film,
  Type.Object({
    description: Nullable(Type.String()),
    creation_date: Nullable(Type.String()),
    type: Type.String(),
    genres: Type.Array(Named),
    actors: Type.Array(PersonRef),
    directors: Type.Array(PersonRef),
    writers: Type.Array(PersonRef),
    file: Nullable(Type.String({ description: 'a signed download URL of the film file' })),
  }),
]);
export const Genre = Type.Object({ id: Uuid, name: Type.String(), description: Nullable(Type.String()) });
export const Role = Type.Union([Type.Literal('actor'), Type.Literal('director'), Type.Literal('writer')]);
export const Person = Type.Object({
  id: Uuid,
  full_name: Type.String(),
  films: Type.Array(Type.Object({ uuid: Uuid, roles: Type.Array(Role) })),
});

export const RatingBody = Type.Union([Type.Integer({ minimum: 0, maximum: 10 }), Type.Null()], {
  description: 'a JSON integer 0..10, or null to remove your rating',
});
export const RatingOut = Type.Object({ film_id: Uuid, user_id: Uuid, rating: Nullable(Type.Integer()) });
export const MyRatings = Type.Record(Type.String(), Type.Integer(), { description: '{film_id: rating}' });
export const ReviewBody = Type.Object({ review: Type.String({ minLength: 1, maxLength: 10_000, pattern: '\\S' }) });
export const ReactionBody = Type.Union([Type.Boolean(), Type.Null()], {
  description: 'true agrees, false disagrees, null removes your reaction',
});
export const FilmReview = Type.Object({
  id: Uuid,
  review: Type.String(),
  user_id: Uuid,
  movie_id: Uuid,
  created_at: Type.String({ format: 'date-time' }),
  likes: Type.Integer(),
  dislikes: Type.Integer(),
});
export const BookmarkQuery = Type.Object({ film_id: Uuid });
export const Bookmark = Type.Object({
  id: Uuid,
  user_id: Uuid,
  movie_id: Uuid,
  created_at: Type.String({ format: 'date-time' }),
});
export const Conflict = { 409: Detail };

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const FilmType = Type.Union([Type.Literal('movie'), Type.Literal('tv_show')]);
const filmFields = {
  description: Type.Optional(Nullable(Type.String({ maxLength: 20_000 }))),
  creation_date: Type.Optional(Nullable(Type.String({ format: 'date' }))),
  rating: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 100, description: '0–100 (imdb_rating × 10)' }))),
  type: Type.Optional(FilmType),
  file: Type.Optional(
    Nullable(Type.String({ minLength: 1, maxLength: 200, description: 'short name of a files-service object' })),
  ),
  genres: Type.Optional(Type.Array(Uuid, { maxItems: 100, description: 'the film’s genres (replaces them)' })),
};
export const FilmCreate = Type.Object({ title: Text(500), ...filmFields }, { additionalProperties: false });
export const FilmPatch = Type.Object(
  { title: Type.Optional(Text(500)), ...filmFields },
  { additionalProperties: false },
);
export const AdminFilm = Type.Object({
  id: Uuid,
  title: Type.String(),
  description: Nullable(Type.String()),
  creation_date: Nullable(Type.String()),
  rating: Nullable(Type.Number()),
  type: Type.String(),
  file: Nullable(Type.String()),
  genres: Type.Array(Uuid),
  persons: Type.Array(Type.Object({ person_id: Uuid, role: Type.String() })),
});
export const LinkBody = Type.Object({ person_id: Uuid, role: Role }, { additionalProperties: false });
export const LinkParams = Type.Object({ film_id: Uuid, person_id: Uuid });
export const RoleQuery = Type.Object({ role: Role });
export const GenreCreate = Type.Object(
  { name: Text(200), description: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))) },
  { additionalProperties: false },
);
export const GenrePatch = Type.Partial(GenreCreate, { additionalProperties: false });
const Gender = Nullable(Type.String({ maxLength: 50 }));
export const PersonCreate = Type.Object(
  { full_name: Text(300), gender: Type.Optional(Gender) },
  { additionalProperties: false },
);
export const PersonPatch = Type.Partial(PersonCreate, { additionalProperties: false });
export const AdminPerson = Type.Object({ id: Uuid, full_name: Type.String(), gender: Nullable(Type.String()) });

export const EventBody = Type.Object({
  type: Type.Literal('movie_progress'),
  user_id: Type.Optional(Uuid),
  movie_id: Uuid,
  progress: Type.Integer({ minimum: 0, description: 'seconds watched' }),
});
export const EventAccepted = Type.Object({ success: Type.Literal(true) });
export const EventRefused = Type.Object({
  success: Type.Literal(false),
  message: Type.Optional(Type.String()),
  validation: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
});
export const Progress = Type.Object({
  movie_id: Uuid,
  progress: Nullable(Type.Integer()),
  occurred_at: Nullable(Type.String({ format: 'date-time' })),
});
