import { Type } from 'typebox';

/** Ids are JSON numbers: the course's frontend compares them with ===. */
const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const User = Type.Object({ id: Type.Integer(), name: Type.String() });

export const IdParams = Type.Object({ id: Id });
export const MediaParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 80 }) });

export const TweetBody = Type.Object({
  // The server trims it and counts characters: 1 to 280 after trimming.
  tweet_data: Type.String({ minLength: 1, maxLength: 10_000, pattern: '\\S', description: '1–280 characters' }),
  // Checked by the service, in the contract's words: more than 10 or a repeated id is 400, an unknown one 404.
  tweet_media_ids: Type.Optional(
    Type.Array(Type.Integer(), {
      maxItems: 10_000,
      description: 'at most 10 unique ids of your unattached uploads (400 otherwise; an unknown one 404)',
    }),
  ),
});

export const FeedQuery = Type.Object({
  offset: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'page number, 1-based (default 1); pages deeper than MICROBLOG_FEED_MAX_OFFSET tweets answer 400',
    }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'page size' }),
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'the `next_cursor` of the previous page: the next page by position (not with `offset`)',
    }),
  ),
});

export const Ok = Type.Object({ result: Type.Literal(true) });
export const TweetCreated = Type.Object({ result: Type.Literal(true), tweet_id: Type.Integer() });
export const MediaCreated = Type.Object({ result: Type.Literal(true), media_id: Type.Integer() });

export const Tweet = Type.Object({
  id: Type.Integer(),
  content: Type.String(),
  attachments: Type.Array(Type.String()),
  author: User,
  likes: Type.Array(Type.Object({ user_id: Type.Integer(), name: Type.String() })),
  stamp: Type.String({ format: 'date-time' }),
});
export const Feed = Type.Object({
  result: Type.Literal(true),
  tweets: Type.Array(Tweet),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: 'pass as ?cursor= for the page after this one; null on the last page',
  }),
});

export const Profile = Type.Object({
  result: Type.Literal(true),
  user: Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    followers: Type.Array(User),
    following: Type.Array(User),
  }),
});

export const Failure = Type.Object({
  result: Type.Literal(false),
  error_type: Type.String(),
  error_message: Type.String(),
});
export const errors = {
  400: Failure,
  401: Failure,
  403: Failure,
  404: Failure,
  413: Failure,
  415: Failure,
  422: Failure,
};
