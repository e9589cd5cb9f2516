import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { pdf, png, pptx, zip } from '../../src/modules/backoffice/backoffice.samples.js';
import { testApp, unique } from '../helpers/app.js';
import { API, PASSWORD, courseBody, form, world, type Session, type World } from './helpers.js';

const shortName = (url: string) => /\/media\/([^?]+)\?/.exec(url)![1]!;

describe('backoffice files: avatars, course images, lesson files through the files service', () => {
  let agora: Agora;
  let w: World;
  let su: Session;
  beforeAll(async () => {
    agora = await testApp();
    w = await world(agora);
    su = w.su;
  }, 120_000);
  afterAll(async () => agora.app.close());

  const send = (as: Session, method: 'POST' | 'PATCH' | 'PUT', url: string, fields: Parameters<typeof form>[0]) => {
    const f = form(fields);
    return as.req(method, url, f.payload, f.headers);
  };
  /** The file's row in the files service (its API, as an admin), or undefined once deleted. */
  const fileRow = async (name: string) => {
    const r = await agora.app.inject({
      url: `/files/api/v1/files/${name}`,
      headers: { authorization: `Bearer ${w.su.access}` },
    });
    return r.statusCode === 200 ? r : undefined;
  };

  it('an avatar: multipart create, a signed URL in the response that downloads without credentials', async () => {
    const image = png([10, 200, 30]);
    const res = await send(su, 'POST', `${API}/users/`, {
      email: `avatar-${unique()}@school.test`,
      password: PASSWORD,
      first_name: 'Kira',
      image: { filename: 'me.png', data: image, type: 'image/png' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const url = res.json().image as string;
    expect(url).toMatch(/^http:\/\/localhost:80\/backoffice\/media\/[\w-]+\?expires=\d+&signature=[\w-]+$/);
    const download = await agora.app.inject({ url: url.replace('http://localhost:80', '') });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('image/png');
    expect(download.rawPayload.equals(image)).toBe(true);
    const tampered = await agora.app.inject({
      // one character of the signature changed (to another character: it may already be an X)
      url: url
        .replace('http://localhost:80', '')
        .replace(/signature=(.)/, (_, c) => `signature=${c === 'X' ? 'Y' : 'X'}`),
    });
    expect(tampered.statusCode).toBe(403);
    expect((await agora.app.inject({ url: `/backoffice/media/${shortName(url)}` })).statusCode).toBe(404);
  });

  it('checks types from the bytes: an image field refuses a PDF, whatever its name says', async () => {
    const res = await send(su, 'POST', `${API}/users/`, {
      email: `fake-${unique()}@school.test`,
      password: PASSWORD,
      image: { filename: 'photo.png', data: pdf('not an image'), type: 'image/png' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      image: ['Upload a valid image. The file you uploaded was either not an image or a corrupted image.'],
    });
    const json = await su.req('POST', `${API}/users/`, {
      email: `json-${unique()}@school.test`,
      password: PASSWORD,
      image: 'http://x/a.png',
    });
    expect(json.json()).toEqual({ image: ['The submitted data was not a file. Check the encoding type on the form.'] });
  });

  it('lesson files: presentation .pptx or .pdf, additional file .pdf or .zip, checked from the bytes', async () => {
    const base = { lesson_number: 5, name: `Files ${unique()}`, course: w.ids.courseX };
    const ok = await send(su, 'POST', `${API}/lessons/`, {
      ...base,
      presentation: { filename: 'deck.pptx', data: pptx('Deck') },
      additional_file: { filename: 'extra.zip', data: zip([['a.txt', 'hello']]) },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const lesson = ok.json();
    const deck = await agora.app.inject({ url: (lesson.presentation as string).replace('http://localhost:80', '') });
    expect(deck.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    );
    expect(deck.headers['content-disposition']).toMatch(/^attachment; filename="deck\.pptx"/);
    const pdfs = await send(su, 'POST', `${API}/lessons/`, {
      ...base,
      presentation: { filename: 'deck.pdf', data: pdf('Deck') },
      additional_file: { filename: 'notes.pdf', data: pdf('Notes') },
    });
    expect(pdfs.statusCode).toBe(201);
    const wrong = await send(su, 'POST', `${API}/lessons/`, {
      ...base,
      presentation: { filename: 'deck.pptx', data: png([1, 2, 3]) },
      additional_file: { filename: 'slides.zip', data: pptx('not an archive') },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toEqual({
      presentation: ['File type “png” is not allowed. Allowed types are: pptx, pdf.'],
      additional_file: ['File type “pptx” is not allowed. Allowed types are: pdf, zip.'],
    });
    const plainZip = await send(su, 'POST', `${API}/lessons/`, {
      ...base,
      presentation: { filename: 'deck.pptx', data: zip([['x.txt', 'x']]) },
    });
    expect(plainZip.json()).toEqual({
      presentation: ['File type “zip” is not allowed. Allowed types are: pptx, pdf.'],
    });
    const empty = await send(su, 'POST', `${API}/lessons/`, {
      ...base,
      presentation: { filename: 'deck.pdf', data: Buffer.alloc(0) },
    });
    expect(empty.json()).toEqual({ presentation: ['The submitted file is empty.'] });
  });

  it('replacing a file or deleting its record removes the old object', async () => {
    const made = await send(su, 'POST', `${API}/lessons/`, {
      lesson_number: 6,
      name: `Replace ${unique()}`,
      course: w.ids.courseZ,
      presentation: { filename: 'v1.pdf', data: pdf('v1') },
      additional_file: { filename: 'a.zip', data: zip([['a', 'a']]) },
    });
    const first = made.json();
    const v1 = shortName(first.presentation);
    expect(await fileRow(v1)).toBeDefined();
    const replaced = await send(su, 'PATCH', `${API}/lessons/${first.id}/`, {
      presentation: { filename: 'v2.pptx', data: pptx('v2') },
    });
    expect(replaced.statusCode).toBe(200);
    expect(shortName(replaced.json().presentation)).not.toBe(v1);
    expect(shortName(replaced.json().additional_file)).toBe(shortName(first.additional_file));
    expect(await fileRow(v1)).toBeUndefined();
    expect((await agora.app.inject({ url: first.presentation.replace('http://localhost:80', '') })).statusCode).toBe(
      404,
    );
    // null clears a file (and removes it).
    const cleared = await su.req('PATCH', `${API}/lessons/${first.id}/`, { additional_file: null });
    expect(cleared.json().additional_file).toBeNull();
    expect(await fileRow(shortName(first.additional_file))).toBeUndefined();
    const v2 = shortName(replaced.json().presentation);
    expect((await su.req('DELETE', `${API}/lessons/${first.id}/`)).statusCode).toBe(204);
    expect(await fileRow(v2)).toBeUndefined();
  });

  it('a course image goes with its course, and the course’s lessons’ files with it', async () => {
    const c = await send(su, 'POST', `${API}/courses/`, {
      ...courseBody(`Imaged ${unique()}`),
      image: { filename: 'c.png', data: png([200, 10, 10]) },
    });
    expect(c.statusCode, c.body).toBe(201);
    const course = c.json();
    const l = await send(su, 'POST', `${API}/lessons/`, {
      lesson_number: 1,
      name: 'L',
      course: course.id,
      presentation: { filename: 'l.pdf', data: pdf('l') },
    });
    const names = [shortName(course.image), shortName(l.json().presentation)];
    for (const n of names) expect(await fileRow(n)).toBeDefined();
    expect((await su.req('DELETE', `${API}/courses/${course.id}/`)).statusCode).toBe(204);
    for (const n of names) expect(await fileRow(n)).toBeUndefined();
  });

  it('a failed record leaves no file; an upload orphaned by a crash is swept', async () => {
    const { database } = agora.ctx;
    const count = async () =>
      Number(
        (
          (await database.db.execute(sql`select count(*) as n from files.files`)) as unknown as {
            rows: { n: string }[];
          }
        ).rows[0]!.n,
      );
    const before = await count();
    await database.exec(`create or replace function backoffice.test_fail() returns trigger as $$
      begin raise exception 'injected failure'; end $$ language plpgsql;
      create trigger test_fail before insert on backoffice.lessons for each row execute function backoffice.test_fail();`);
    try {
      const res = await send(su, 'POST', `${API}/lessons/`, {
        lesson_number: 1,
        name: 'F',
        course: w.ids.courseX,
        presentation: { filename: 'f.pdf', data: pdf('f') },
      });
      expect(res.statusCode).toBe(500);
    } finally {
      await database.exec('drop trigger test_fail on backoffice.lessons; drop function backoffice.test_fail();');
    }
    expect(await count()).toBe(before);
    // A crash between storing a file and its record leaves an orphan row, due once its grace has passed.
    const up = form({ file: { filename: 'lost.pdf', data: pdf('lost') } });
    const stored = await agora.app.inject({
      method: 'POST',
      url: '/files/api/v1/files/?bucket=backoffice',
      headers: { ...up.headers, authorization: `Bearer ${su.access}` },
      payload: up.payload,
    });
    expect(stored.statusCode, stored.body).toBe(201);
    const name = stored.json().short_name as string;
    await database.db.execute(
      sql`insert into backoffice.file_orphans (short_name, due_at) values (${name}, now() - interval '1 minute')`,
    );
    const mod = agora.modules.find((m) => m.name === 'backoffice') as unknown as {
      api: { sweepFiles(): Promise<{ deleted: number }> };
    };
    expect((await mod.api.sweepFiles()).deleted).toBeGreaterThanOrEqual(1);
    expect(await fileRow(name)).toBeUndefined();
  });

  it('an upload above BACKOFFICE_FILE_MAX_BYTES is a 413', async () => {
    const small = await testApp({ BACKOFFICE_FILE_MAX_BYTES: '1024' });
    try {
      const f = form({
        email: `big-${unique()}@school.test`,
        password: PASSWORD,
        image: { filename: 'big.png', data: Buffer.concat([png([1, 1, 1]), Buffer.alloc(4096)]) },
      });
      const res = await small.app.inject({
        method: 'POST',
        url: `${API}/users/`,
        headers: { ...f.headers, authorization: `Bearer ${su.access}` },
        payload: f.payload,
      });
      expect(res.statusCode).toBe(413);
    } finally {
      await small.app.close();
    }
  });
});
