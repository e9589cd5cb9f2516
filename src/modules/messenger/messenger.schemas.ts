import { Type } from 'typebox';

/**
 * Request and response shapes. Numbers in a body are taken as text by the body parser (the contract accepts
 * `{"chat_name": 123}`); unknown fields are ignored. Ids in paths and queries are checked by the service,
 * since a malformed id answers like an unknown one (404), not 400.
 */
const name = (description: string) => Type.String({ minLength: 1, maxLength: 255, description });
const digits = (description: string, maxLength: number) =>
  Type.String({ minLength: 1, pattern: '^[0-9]+$', maxLength, description });
const Empty = Type.Null({ description: 'empty body' });
const Err = Type.Object({ message: Type.String() }, { description: 'error code' });

export const Credentials = Type.Object({
  user_name: name('account name (shared with every Agora module)'),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
});

export const SessionOut = Type.Object({ session_id: Type.String() });
export const NewChat = Type.Object({ chat_name: name('chat name') });
export const ChatOut = Type.Object({ chat_id: Type.String() });
export const NewMember = Type.Object({ user_name: name('display name in this chat') });
export const MemberOut = Type.Object({ user_id: Type.String({ description: 'membership id' }) });
export const NewMessage = Type.Object({ message: Type.String({ minLength: 1, maxLength: 10_000 }) });
export const MessageOut = Type.Object({ message_id: Type.String() });
export const NewSearch = Type.Object({ message: Type.String({ minLength: 4, maxLength: 1000 }) });
export const TaskOut = Type.Object({ task_id: Type.String() });
export const StatusOut = Type.Object({
  status: Type.Union([
    Type.Literal('WAITING'),
    Type.Literal('IN_PROCESS'),
    Type.Literal('SUCCESS'),
    Type.Literal('FAILED'),
  ]),
});

export const ChatParams = Type.Object({ chat_id: Type.String({ maxLength: 64 }) });
export const TaskParams = Type.Object({ task_id: Type.String({ maxLength: 64 }) });
export const PostQuery = Type.Object({ user_id: Type.Optional(Type.String({ maxLength: 64 })) });
export const PageQuery = Type.Object({
  limit: digits('page size: 1 to 1000 for history, 1 to 100 for search results', 10),
  // Not checked here: the contract answers an unknown `from` (malformed included) with bad-cursor.
  from: Type.Optional(Type.String({ description: 'message_id of the last message of the previous page (exclusive)' })),
});

const Next = Type.Object({ iterator: Type.String() });
export const HistoryOut = Type.Object({ messages: Type.Array(Type.Object({ text: Type.String() })), next: Next });
export const SearchNowQuery = Type.Object({
  message: Type.String({ minLength: 4, maxLength: 1000, description: 'the words to find (more than 3 characters)' }),
  limit: digits('page size: 1 to 100', 10),
  from: Type.Optional(
    Type.String({
      pattern: '^[0-9]{0,18}$',
      description: 'message_id of the last hit of the previous page (exclusive)',
    }),
  ),
});
export const HitsOut = Type.Object({
  messages: Type.Array(Type.Object({ text: Type.String(), chat_id: Type.String() })),
  next: Next,
});

/** Response map of a route: its success plus the error envelope for every error status. */
export const replies = <T extends object>(ok: T) => ({
  ...ok,
  400: Err,
  401: Err,
  404: Err,
  429: Err,
  503: Err,
});
export { Empty };
