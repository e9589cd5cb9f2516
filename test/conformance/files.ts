import { unique } from '../helpers/app.js';
import { multipart, PNG } from '../files/fixtures.js';
import type { Actor, Fixtures, FixtureTable } from './fixtures.js';

export async function file(f: Fixtures, who: Actor): Promise<string> {
  const mp = multipart(Buffer.concat([PNG, Buffer.from(unique())]));
  const res = await f.agora.app.inject({
    method: 'POST',
    url: '/files/api/v1/files/',
    headers: { ...who.creds.bearer, ...mp.headers },
    payload: mp.payload,
  });
  return res.json().short_name;
}

export const filesFixtures: FixtureTable = {
  'POST /files/api/v1/files/': { ok: async () => ({ optional: { bucket: 'default' } }) },
  'GET /files/api/v1/files/{short_name}': {
    ok: async (f, me) => {
      const name = await file(f, me);
      const signed = await f.call('GET', `/files/api/v1/files/${name}/presigned_url/`, me, 'bearer');
      const query = new URL(signed.presigned_url).searchParams;
      return {
        params: { short_name: name },
        optional: { expires: query.get('expires'), signature: query.get('signature') },
      };
    },
  },
  'DELETE /files/api/v1/files/{short_name}': { ok: async (f, me) => ({ params: { short_name: await file(f, me) } }) },
  'GET /files/api/v1/files/{short_name}/presigned_url/': {
    ok: async (f, me) => ({ params: { short_name: await file(f, me) } }),
  },
  'GET /files/api/v1/files/{short_name}/redirect_download/': {
    ok: async (f, me) => ({ params: { short_name: await file(f, me) } }),
  },
};
