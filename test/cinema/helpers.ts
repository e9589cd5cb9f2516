import type { Agora } from '../../src/app.js';
import { loadCatalogue, shippedCatalogue, type Catalogue } from '../../src/modules/cinema/cinema.seed.js';
import { unique } from '../helpers/app.js';

export const API = '/cinema/api/v1';

/** The seed's own catalogue (999 films), loaded once per app through the module's loader. */
export const catalogue: Catalogue = shippedCatalogue();

export async function loadShipped(agora: Agora) {
  await loadCatalogue(agora.ctx.database.db, catalogue);
}

export interface Viewer {
  id: string;
  token: string;
  headers: { authorization: string };
}

/** An identity user with a bearer token (optionally with extra permissions through a role). */
export async function viewer(agora: Agora, permissions: string[] = []): Promise<Viewer> {
  const service = agora.identity.service;
  const username = unique('cin');
  const password = 'pw-pw-pw-pw';
  const user = await service.register({ username, password, email: null });
  if (permissions.length) {
    const role = await service.ensureRole({ name: unique('role'), permissions });
    await service.assignRole(role.id, [user.id]);
  }
  const login = await agora.app.inject({
    method: 'POST',
    url: '/idp/api/v1/users/token',
    payload: { login: username, password },
  });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
  const token = login.json<{ access_token: string }>().access_token;
  return { id: user.id, token, headers: { authorization: `Bearer ${token}` } };
}

export const MISSING = '00000000-0000-4000-8000-000000000000';
