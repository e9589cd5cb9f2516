import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agora } from '../../src/app.js';
import { testApp, unique } from '../helpers/app.js';
import { API, json, superuser, type Session } from '../backoffice/helpers.js';
import { PanelClient, panelUser } from './helpers.js';

const partnerForm = (name: string, extra: Record<string, string> = {}) => ({
  name,
  legal_entity: 'LLC Test',
  information: '',
  status: 'active',
  country: 'RU',
  region: 'Moscow',
  city: 'Moscow',
  street: 'Tverskaya',
  house: '1',
  address_note: '',
  owner: '',
  ...extra,
});

describe('admin panel over the back office: its viewsets’ rules through the panel', () => {
  let agora: Agora;
  let browser: PanelClient;
  let su: Session;
  beforeAll(async () => {
    agora = await testApp();
    const admin = await panelUser(agora, { permissions: ['admin.backoffice'] });
    browser = new PanelClient(agora);
    await browser.signIn(admin.username, admin.password);
    su = await superuser(agora);
  });
  afterAll(async () => agora?.app.close());

  it('creates a partner with DRF’s validation beside the fields, edits it, and the API sees the change', async () => {
    const name = unique('School ');
    await browser.get('/admin/backoffice/partners/add');
    const bad = await browser.post('/admin/backoffice/partners/add', partnerForm(name, { house: 'many' }));
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toMatch(/id="e-house">A valid integer is required\./);
    const made = await browser.post('/admin/backoffice/partners/add', partnerForm(name));
    expect(made.statusCode).toBe(303);
    const id = /\/admin\/backoffice\/partners\/(\d+)$/.exec(made.headers.location as string)![1]!;
    const page = await browser.get(`/admin/backoffice/partners/${id}`);
    expect(page.body).toContain(`value="${name}"`);
    expect(page.body).toMatch(/<option value="active" selected>/);
    const saved = await browser.post(
      `/admin/backoffice/partners/${id}`,
      partnerForm(`${name} 2`, { status: 'inactive' }),
    );
    expect(saved.statusCode).toBe(303);
    const api = json(await su.req('GET', `${API}/partners/${id}/`));
    expect(api).toMatchObject({ name: `${name} 2`, status: 'Inactive' });
  });

  it('adds a branch to a partner (the partner’s branch count follows), filters branches by partner, deletes it', async () => {
    const name = unique('Partner ');
    const made = await browser.post('/admin/backoffice/partners/add', partnerForm(name));
    const partner = /(\d+)$/.exec(made.headers.location as string)![1]!;
    const branch = {
      name: 'Centre',
      opening_date: '2024-01-15',
      partner,
      status: 'active',
      note: '',
      area: '120',
      country: 'RU',
      region: 'Moscow',
      city: 'Moscow',
      street: 'Arbat',
      house: '5',
      address_note: '',
      floor: '2',
      employees: '',
    };
    await browser.get('/admin/backoffice/branches/add');
    const res = await browser.post('/admin/backoffice/branches/add', branch);
    expect(res.statusCode).toBe(303);
    const branchId = /(\d+)$/.exec(res.headers.location as string)![1]!;
    expect(json(await su.req('GET', `${API}/partners/${partner}/`))).toMatchObject({ quantity_of_branches: 1 });
    const list = await browser.get(`/admin/backoffice/branches?f_partner=${partner}`);
    expect(list.body).toContain(`/admin/backoffice/branches/${branchId}`);
    expect((await browser.post(`/admin/backoffice/branches/${branchId}/delete`)).statusCode).toBe(303);
    expect((await su.req('GET', `${API}/branches/${branchId}/`)).statusCode).toBe(404);
    expect(json(await su.req('GET', `${API}/partners/${partner}/`))).toMatchObject({ quantity_of_branches: 0 });
  });

  it('manages categories, courses and lessons; a category cycle is refused beside its field', async () => {
    const root = await browser.post('/admin/backoffice/categories/add', { name: unique('Root'), parent: '' });
    const rootId = /(\d+)$/.exec(root.headers.location as string)![1]!;
    const child = await browser.post('/admin/backoffice/categories/add', { name: unique('Child'), parent: rootId });
    const childId = /(\d+)$/.exec(child.headers.location as string)![1]!;
    const cycle = await browser.post(`/admin/backoffice/categories/${rootId}`, { name: 'Root again', parent: childId });
    expect(cycle.statusCode).toBe(422);
    expect(cycle.body).toMatch(/id="e-parent">A category cannot be its own ancestor/);
    const course = await browser.post('/admin/backoffice/courses/add', {
      name: unique('Python'),
      min_age: '10',
      max_age: '14',
      link: '',
      status: 'active',
      note: '',
      categories: childId,
      teachers: '',
    });
    expect(course.statusCode).toBe(303);
    const courseId = /(\d+)$/.exec(course.headers.location as string)![1]!;
    const lesson = await browser.post('/admin/backoffice/lessons/add', {
      lesson_number: '1',
      name: 'Hello, world',
      course: courseId,
      presentationURL: '',
      description: 'First steps',
    });
    expect(lesson.statusCode).toBe(303);
    const lessonId = /(\d+)$/.exec(lesson.headers.location as string)![1]!;
    expect(json(await su.req('GET', `${API}/lessons/${lessonId}/`))).toMatchObject({ name: 'Hello, world' });
    expect(json(await su.req('GET', `${API}/courses/${courseId}/`))).toMatchObject({
      categories: [expect.objectContaining({ id: Number(rootId) }), expect.objectContaining({ id: Number(childId) })],
    });
    expect((await browser.get('/admin/backoffice/groups')).body).toMatch(/>owner</);
  });

  it('keeps a back-office-only staff user out of other modules', async () => {
    expect((await browser.get('/admin/identity/users')).statusCode).toBe(403);
    expect((await browser.get('/admin/wishlist/wishes')).statusCode).toBe(403);
    expect((await browser.get('/admin/backoffice/employees')).statusCode).toBe(200);
  });
});
