import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { Type } from 'typebox';
import { AppError, notFound } from '../../platform/errors.js';
import { fileReply, multipartForm } from '../../platform/http/docs.js';
import { isAdmin, type Actor, type IdentityApi } from '../identity/index.js';
import { FILES_ERRORS as E } from './files.errors.js';
import type { FileRow } from './files.repository.js';
import * as S from './files.schemas.js';
import type { FilesService, Reader } from './files.service.js';
import type { ByteRange } from './files.storage.js';

const fileOut = (f: FileRow) => ({
  id: f.id,
  path_in_storage: f.pathInStorage,
  filename: f.filename,
  size: f.size,
  file_type: f.fileType,
  short_name: f.shortName,
  created_at: f.createdAt.toISOString(),
  bucket: f.bucket,
});

/** One `bytes=` range (RFC 9110); several ranges or bad syntax get the whole file, as servers commonly do. */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  const m = header && /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  const unsatisfiable = () =>
    new AppError(E.RANGE, 416, 'Range not satisfiable', undefined, { 'content-range': `bytes */${size}` });
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) throw unsatisfiable();
  return { start, end };
}

export const contentDisposition = (kind: 'attachment' | 'inline', name: string) =>
  `${kind}; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

/** Sends a stored file with its metadata headers, honouring Range. */
export async function sendFile(
  service: FilesService,
  row: FileRow,
  req: FastifyRequest,
  reply: FastifyReply,
  disposition: 'attachment' | 'inline' = 'attachment',
) {
  const range = parseRange(req.headers.range, row.size);
  const body = await service.open(row, range);
  reply
    .header('content-type', row.fileType)
    .header('accept-ranges', 'bytes')
    .header('etag', `"${row.sha256}"`)
    .header('content-disposition', contentDisposition(disposition, row.filename));
  if (range) {
    reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${row.size}`)
      .header('content-length', range.end - range.start + 1);
  } else reply.header('content-length', row.size);
  return reply.send(body);
}

const readerOf = (actor: Actor | undefined): Reader | undefined =>
  actor && { userId: actor.userId, admin: isAdmin(actor) };

export function filesRoutes(service: FilesService, identity: IdentityApi, mount: string) {
  /** A module's bucket is written through that module only; admins may still manage it here. */
  const assertWritable = (bucket: string | undefined, actor: Actor) => {
    const managedBy = service.managedBy(bucket);
    if (managedBy && !isAdmin(actor)) {
      throw new AppError(E.BUCKET_MANAGED, 403, `Files of this bucket are managed through the ${managedBy} API`);
    }
  };

  return async function routes(root: FastifyInstance) {
    await root.register(multipart, { limits: { files: 1, fields: 10, parts: 20 } });
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const base = '/api/v1/files';
    const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }, { sessionId: [] }];

    app.post(
      `${base}/`,
      {
        schema: {
          summary: 'Upload a file (multipart field `file`)',
          body: multipartForm({ file: 'the file' }),
          querystring: S.UploadQuery,
          response: { 201: S.FileOut, ...S.errors },
          security,
        },
      },
      async (req, reply) => {
        const actor = await identity.resolve(req);
        if (!req.isMultipart())
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, 'Send the file as multipart/form-data');
        assertWritable(req.query.bucket, actor);
        const policy = service.policy(req.query.bucket);
        const part = await req.file({ limits: { fileSize: policy.maxBytes } });
        if (!part || part.fieldname !== 'file')
          throw new AppError('BAD_REQUEST', 400, 'Multipart field "file" is required');
        const row = await service.put({
          bucket: req.query.bucket,
          filename: part.filename,
          stream: part.file,
          ownerId: actor.userId,
        });
        return reply.code(201).send(fileOut(row));
      },
    );

    app.get(
      `${base}/:short_name`,
      {
        schema: {
          summary: 'Download a file (Range supported): its owner, an admin, anyone for a public bucket or a signed URL',
          params: S.ShortNameParams,
          querystring: S.DownloadQuery,
          response: { 200: fileReply('the file'), 206: fileReply('a range of the file'), ...S.errors },
          // No credentials for a signed URL or a file of a public bucket.
          security: [...security, {}],
        },
      },
      async (req, reply) => {
        const { expires, signature } = req.query;
        const name = req.params.short_name;
        if (signature !== undefined || expires !== undefined) {
          service.verifySignature(name, expires ?? 0, signature ?? '');
          return sendFile(service, await service.find(name), req, reply);
        }
        const actor = identity.credentialOf(req) ? await identity.resolve(req) : undefined;
        const row = await service.lookup(name);
        if (!row || !service.readableBy(row, readerOf(actor))) {
          // An anonymous caller learns nothing about private files: the same 401 as before any lookup.
          if (!actor) await identity.resolve(req);
          throw notFound('File not found');
        }
        return sendFile(service, row, req, reply);
      },
    );

    app.delete(
      `${base}/:short_name`,
      {
        schema: {
          summary: 'Delete a file (owner or admin): object and row together',
          params: S.ShortNameParams,
          response: { 204: Type.Null(), ...S.errors },
          security,
        },
      },
      async (req, reply) => {
        const actor = await identity.resolve(req);
        await service.delete(req.params.short_name, (row) => {
          // Not yours answers like unknown (the contract names no other status); a managed bucket is a 403.
          if (row.ownerId !== actor.userId && !isAdmin(actor)) throw notFound('File not found');
          assertWritable(row.bucket, actor);
        });
        return reply.code(204).send(null);
      },
    );

    const directUrl = async (req: FastifyRequest, shortName: string, expiresIn: number) => {
      const row = await service.findReadable(shortName, readerOf(await identity.resolve(req)));
      const { url, local } = await service.url(row, expiresIn);
      return local ? `${req.protocol}://${req.host}${mount}${base}/${url}` : url;
    };
    const urlSchema = { params: S.ShortNameParams, querystring: S.ExpiresQuery, security };

    app.get(
      `${base}/:short_name/presigned_url/`,
      {
        schema: {
          summary: 'A presigned (S3) or signed (local) expiring URL, for whoever may download the file',
          ...urlSchema,
          response: { 200: S.PresignedOut, ...S.errors },
        },
      },
      async (req) => ({ presigned_url: await directUrl(req, req.params.short_name, req.query.expires_in) }),
    );

    app.get(
      `${base}/:short_name/redirect_download/`,
      { schema: { summary: '307 to the presigned URL', ...urlSchema, response: { 307: Type.Null(), ...S.errors } } },
      async (req, reply) => reply.redirect(await directUrl(req, req.params.short_name, req.query.expires_in), 307),
    );
  };
}
