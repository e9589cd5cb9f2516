import { randomBytes } from 'node:crypto';
import type { Clock } from '../../src/platform/clock.js';
import { systemClock } from '../../src/platform/clock.js';

/** A real 1x1 PNG: browsers decode it, and its magic number is PNG's. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
export const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/** A PNG header followed by `size` random bytes: passes the type check, tests the size limit. */
export const bigPng = (size: number) => Buffer.concat([PNG.subarray(0, 16), randomBytes(size)]);

/** A multipart/form-data body with one file part, as a browser sends it. */
export function multipart(content: Buffer, filename = 'image.png', field = 'file', type = 'image/png') {
  const boundary = `----agora${randomBytes(8).toString('hex')}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A clock whose time can be moved, for URL expiry. */
export function movableClock(): Clock & { shift(seconds: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    uuid: systemClock.uuid,
    token: systemClock.token,
    shift: (seconds) => {
      offset += seconds * 1000;
    },
  };
}
