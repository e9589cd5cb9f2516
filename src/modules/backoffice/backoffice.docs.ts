import { Type, type TSchema } from 'typebox';

/**
 * What /openapi.json says about the back office beyond its bodies: DRF's error shapes and the query filters.
 * The module validates with DRF's own messages (backoffice.fields, backoffice.filters); these only describe.
 */

/** A CharField without allow_blank: DRF trims it, so blank and whitespace-only are both refused. */
export const nonBlank = (maxLength?: number, extra: Record<string, unknown> = {}) =>
  Type.String({ minLength: 1, pattern: '\\S', ...(maxLength ? { maxLength } : {}), ...extra });

export const Detail = Type.Object(
  { detail: Type.String(), code: Type.Optional(Type.String()) },
  { additionalProperties: true },
);
export const FieldErrors = Type.Record(Type.String(), Type.Unknown(), {
  description: 'DRF validation errors: field → list of messages (a nested serializer nests its own object)',
});

/** The statuses every authenticated route of the module can answer besides its success. */
export const errorResponses = (...statuses: (400 | 401 | 403 | 404 | 413 | 415 | 429)[]) =>
  Object.fromEntries(statuses.map((s) => [s, s === 400 ? FieldErrors : Detail]));

/** django-filter ignores an empty parameter, so each filter is its value or "". */
const orEmpty = (schema: TSchema, description: string) => Type.Union([schema, Type.Literal('')], { description });

/** Query filters as the docs show them. */
export const q = {
  text: (description: string) => Type.String({ description }),
  int: (description: string) => orEmpty(Type.Integer({ minimum: 0 }), description),
  date: (description: string) => orEmpty(Type.String({ format: 'date' }), description),
  uuid: (description: string) => orEmpty(Type.String({ format: 'uuid' }), description),
  choice: (choices: readonly string[], description: string) =>
    orEmpty(Type.Union(choices.map((c) => Type.Literal(c))), description),
};
