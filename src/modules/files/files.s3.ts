import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { assertKey, BlobNotFoundError, type BlobStore } from './files.storage.js';

export interface S3Options {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  forcePathStyle: boolean;
  /** Endpoint written into presigned URLs when clients reach S3 at another address than this service. */
  publicEndpoint?: string;
}

/** Blobs in an S3-compatible bucket (AWS, MinIO); the bucket is created on first use when missing. */
export function s3Store(opts: S3Options): BlobStore {
  // The SDK takes about a second to load: only a process configured for S3 pays it, on first use.
  let connected: Promise<Awaited<ReturnType<typeof connect>>> | undefined;
  const s3 = () => (connected ??= connect(opts));
  const Bucket = opts.bucket;
  let ready: Promise<void> | undefined;
  const ensureBucket = async () => {
    const { client, sdk } = await s3();
    return (ready ??= client
      .send(new sdk.HeadBucketCommand({ Bucket }))
      .then(
        () => undefined,
        async () => void (await client.send(new sdk.CreateBucketCommand({ Bucket }))),
      )
      .catch((err) => {
        ready = undefined;
        throw err;
      }));
  };

  return {
    kind: 's3',
    async putFile(key, path, size, contentType) {
      assertKey(key);
      await ensureBucket();
      const { client, sdk } = await s3();
      await client.send(
        new sdk.PutObjectCommand({
          Bucket,
          Key: key,
          Body: createReadStream(path),
          ContentLength: size,
          ContentType: contentType,
        }),
      );
    },
    async open(key, range) {
      assertKey(key);
      const { client, sdk } = await s3();
      const out = await client
        .send(
          new sdk.GetObjectCommand({
            Bucket,
            Key: key,
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        )
        .catch((err: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
          throw err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404 ? new BlobNotFoundError(key) : err;
        });
      return out.Body as Readable;
    },
    async exists(key) {
      assertKey(key);
      const { client, sdk } = await s3();
      return client.send(new sdk.HeadObjectCommand({ Bucket, Key: key })).then(
        () => true,
        () => false,
      );
    },
    async delete(key) {
      assertKey(key);
      const { client, sdk } = await s3();
      await client.send(new sdk.DeleteObjectCommand({ Bucket, Key: key }));
    },
    async presign(key, { expiresIn, filename, contentType, now }) {
      assertKey(key);
      const { signer, sdk, getSignedUrl } = await s3();
      const cmd = new sdk.GetObjectCommand({
        Bucket,
        Key: key,
        ResponseContentType: contentType,
        ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
      });
      return getSignedUrl(signer, cmd, { expiresIn, signingDate: now });
    },
    close: async () => {
      if (connected) (await connected).client.destroy();
    },
  };
}

async function connect(opts: S3Options) {
  const [sdk, { getSignedUrl }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/s3-request-presigner'),
  ]);
  const client: S3Client = new sdk.S3Client({
    endpoint: opts.endpoint,
    region: opts.region,
    forcePathStyle: opts.forcePathStyle,
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
    // Flexible checksums send aws-chunked trailers that MinIO and other S3 servers do not all accept.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // Signing is offline: a second client configured with the public endpoint only signs URLs.
  const signer = opts.publicEndpoint
    ? new sdk.S3Client({
        endpoint: opts.publicEndpoint,
        region: opts.region,
        forcePathStyle: opts.forcePathStyle,
        credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      })
    : client;
  return { sdk, client, signer, getSignedUrl };
}
