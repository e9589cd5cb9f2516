import { Type } from 'typebox';

export const ShortNameParams = Type.Object({
  short_name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
});

export const UploadQuery = Type.Object({
  bucket: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9][a-z0-9._-]*$' })),
});

export const DownloadQuery = Type.Object({
  expires: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e11 })),
  signature: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});

export const ExpiresQuery = Type.Object({
  expires_in: Type.Integer({ minimum: 1, maximum: 31_536_000, default: 3600 }),
});

export const FileOut = Type.Object({
  id: Type.String({ format: 'uuid' }),
  path_in_storage: Type.String(),
  filename: Type.String(),
  size: Type.Integer(),
  file_type: Type.String(),
  short_name: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  bucket: Type.String(),
});

export const PresignedOut = Type.Object({ presigned_url: Type.String() });

export const Detail = Type.Object({
  detail: Type.String(),
  errors: Type.Optional(Type.Array(Type.Unknown())),
});
export const errors = { 400: Detail, 401: Detail, 403: Detail, 404: Detail, 413: Detail, 415: Detail, 416: Detail };
