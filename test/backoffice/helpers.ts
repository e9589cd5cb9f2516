import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Agora } from '../../src/app.js';
import { unique } from '../helpers/app.js';

export const BO = '/backoffice';
export const API = `${BO}/api`;
/** What a browser on the API's own origin sends with unsafe requests (inject's Host is localhost:80). */
export const SAME_ORIGIN = 'http://localhost';
export const PASSWORD = 'school-network-pw-1';

export interface Session {
  email: string;
  userId: string;
  access: string;
  refresh: string;
  /** Cookie-authenticated request from the API's own origin. */
  req(
    method: InjectOptions['method'],
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
}

/** The value of one cookie from a response's Set-Cookie headers. */
export function setCookie(res: LightMyRequestResponse, name: string): string | undefined {
  const all = ([] as string[]).concat((res.headers['set-cookie'] as string | string[] | undefined) ?? []);
  return all.find((c) => c.startsWith(`${name}=`));
}
export const cookieValue = (header: string | undefined) => header?.slice(header.indexOf('=') + 1, header.indexOf(';'));

/** Logs in through POST /auth/token/ and keeps both cookies. */
export async function login(agora: Agora, email: string, password = PASSWORD): Promise<Session> {
  const res = await agora.app.inject({ method: 'POST', url: `${BO}/auth/token/`, payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const access = cookieValue(setCookie(res, 'access_token'))!;
  const refresh = cookieValue(setCookie(res, 'refresh_token'))!;
  const user = await agora.identity.service.passwordLogin({ login: email, password, ip: '127.0.0.1' });
  return {
    email,
    userId: user.id,
    access,
    refresh,
    req: (method, url, payload, headers = {}) =>
      agora.app.inject({
        method,
        url,
        headers: { cookie: `access_token=${access}`, ...(method === 'GET' ? {} : { origin: SAME_ORIGIN }), ...headers },
        ...(payload === undefined ? {} : { payload: payload as string }),
      }),
  };
}

/** An identity superuser (no back-office profile needed), logged in through the cookie login. */
export async function superuser(agora: Agora): Promise<Session> {
  const email = `${unique('su')}@school.test`;
  await agora.identity.service.ensureSuperuser({ username: email, email, password: PASSWORD });
  return login(agora, email);
}

export const json = <T = Record<string, unknown>>(res: LightMyRequestResponse) => res.json<T>();

/** Creates through the API as `as`, expecting 201; returns the body. */
export async function create(as: Session, resource: string, payload: Record<string, unknown>) {
  const res = await as.req('POST', `${API}/${resource}/`, payload);
  if (res.statusCode !== 201) throw new Error(`create ${resource} failed: ${res.statusCode} ${res.body}`);
  return res.json<Record<string, unknown> & { id: number }>();
}

export const partnerBody = (name: string, owner?: string) => ({
  name,
  legal_entity: `LLC ${name}`,
  country: 'Russia',
  region: 'Tatarstan',
  city: 'Kazan',
  street: 'Lenina',
  house: 7,
  ...(owner ? { owner } : {}),
});
export const branchBody = (name: string, partner?: number) => ({
  name,
  opening_date: '2024-03-01',
  ...(partner !== undefined ? { partner } : {}),
  area: 120,
  country: 'Russia',
  region: 'Tatarstan',
  city: 'Kazan',
  street: 'Mira',
  house: 3,
  floor: 2,
});
export const userBody = (email: string, extra: Record<string, unknown> = {}) => ({
  email,
  password: PASSWORD,
  first_name: 'Anna',
  last_name: 'Ivanova',
  ...extra,
});
export const employeeBody = (
  email: string,
  extra: Record<string, unknown> = {},
  user: Record<string, unknown> = {},
) => ({
  user: userBody(email, { group: 'teacher', ...user }),
  bank_account_number: 12345678,
  ...extra,
});
export const courseBody = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  min_age: 8,
  max_age: 12,
  ...extra,
});

/**
 * The same small school network for every test file that needs one: partners A and B with an owner, a teacher
 * and a branch each; courses X (taught by A's teacher), Y (by B's teacher) and Z (by nobody), a lesson of each,
 * a category, and a user with no group. Logged-in sessions for each kind of caller.
 */
export async function world(agora: Agora) {
  const su = await superuser(agora);
  const tag = unique('w');
  const ownerA = await create(su, 'users', userBody(`owner-a-${tag}@school.test`, { group: 'owner' }));
  const ownerB = await create(su, 'users', userBody(`owner-b-${tag}@school.test`, { group: 'owner' }));
  const loner = await create(su, 'users', userBody(`loner-${tag}@school.test`));
  const partnerA = await create(su, 'partners', partnerBody(`Partner A ${tag}`, ownerA.id as unknown as string));
  const partnerB = await create(su, 'partners', partnerBody(`Partner B ${tag}`, ownerB.id as unknown as string));
  const branchA = await create(su, 'branches', branchBody(`Branch A ${tag}`, partnerA.id));
  const branchB = await create(su, 'branches', branchBody(`Branch B ${tag}`, partnerB.id));
  const category = await create(su, 'categories', { name: `Category ${tag}` });
  const courseX = await create(su, 'courses', courseBody(`Course X ${tag}`, { categories: [category.id] }));
  const courseY = await create(su, 'courses', courseBody(`Course Y ${tag}`));
  const courseZ = await create(su, 'courses', courseBody(`Course Z ${tag}`));
  const teacherA = await create(
    su,
    'employees',
    employeeBody(`teacher-a-${tag}@school.test`, {
      partner: partnerA.id,
      branches: [branchA.id],
      courses: [courseX.id],
    }),
  );
  const teacherB = await create(
    su,
    'employees',
    employeeBody(`teacher-b-${tag}@school.test`, {
      partner: partnerB.id,
      branches: [branchB.id],
      courses: [courseY.id],
    }),
  );
  const lessonX = await create(su, 'lessons', { lesson_number: 1, name: `Lesson X ${tag}`, course: courseX.id });
  const lessonY = await create(su, 'lessons', { lesson_number: 1, name: `Lesson Y ${tag}`, course: courseY.id });
  const lessonZ = await create(su, 'lessons', { lesson_number: 1, name: `Lesson Z ${tag}`, course: courseZ.id });
  const idOfUser = (e: Record<string, unknown>) => (e.user as { id: string }).id;
  return {
    tag,
    su,
    owner: await login(agora, ownerA.email as string),
    ownerB: await login(agora, ownerB.email as string),
    teacher: await login(agora, (teacherA.user as { email: string }).email),
    loner: await login(agora, loner.email as string),
    ids: {
      ownerA: ownerA.id as unknown as string,
      ownerB: ownerB.id as unknown as string,
      loner: loner.id as unknown as string,
      partnerA: partnerA.id,
      partnerB: partnerB.id,
      branchA: branchA.id,
      branchB: branchB.id,
      category: category.id,
      courseX: courseX.id,
      courseY: courseY.id,
      courseZ: courseZ.id,
      teacherA: idOfUser(teacherA),
      teacherB: idOfUser(teacherB),
      lessonX: lessonX.id,
      lessonY: lessonY.id,
      lessonZ: lessonZ.id,
    },
  };
}
export type World = Awaited<ReturnType<typeof world>>;

export interface FilePart {
  filename: string;
  data: Buffer;
  type?: string;
}

/** A multipart/form-data body with fields and files, as a browser's FormData sends it. */
export function form(fields: Record<string, string | number | (string | number)[] | FilePart>) {
  const boundary = `----backoffice${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'object') {
        parts.push(
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${v.filename}"\r\nContent-Type: ${v.type ?? 'application/octet-stream'}\r\n\r\n`,
          ),
          v.data,
          Buffer.from('\r\n'),
        );
      } else parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v}\r\n`));
    }
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
