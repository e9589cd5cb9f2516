import { parseArgs } from 'node:util';
import { isAppError } from '../../platform/errors.js';
import type { OidcClientService } from './identity.oidc-clients.js';

export const OIDC_USAGE = `usage:
  agora oidc client create --name <name> --redirect-uri <uri> [--redirect-uri <uri>…]
                           [--post-logout-redirect-uri <uri>…] [--public]
  agora oidc client list
  agora oidc client delete --id <client_id>`;

/** `agora oidc client …`: registers, lists and deletes clients of Agora's OpenID provider; returns lines to print. */
export async function oidcCommand(clients: OidcClientService | undefined, argv: string[]): Promise<string[]> {
  const [noun, verb, ...rest] = argv;
  if (noun !== 'client' || !verb) throw new Error(OIDC_USAGE);
  if (!clients) throw new Error('the OpenID provider is off here (see OIDC_PROVIDER in README.md)');
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      public: { type: 'boolean' },
      id: { type: 'string' },
    },
  });
  try {
    switch (verb) {
      case 'create': {
        if (!values.name || !values['redirect-uri']?.length) throw new Error(OIDC_USAGE);
        const c = await clients.create({
          name: values.name,
          redirectUris: values['redirect-uri'],
          postLogoutRedirectUris: values['post-logout-redirect-uri'],
          public: values.public,
        });
        return [
          `client_id: ${c.client_id}`,
          ...(c.client_secret
            ? [`client_secret: ${c.client_secret}   (shown once)`]
            : ['public client: PKCE, no secret']),
          `redirect_uris: ${c.redirect_uris.join(' ')}`,
        ];
      }
      case 'list':
        return (await clients.list()).map((c) => `${c.client_id}  ${c.client_name}  ${c.redirect_uris.join(' ')}`);
      case 'delete':
        if (!values.id) throw new Error(OIDC_USAGE);
        await clients.remove(values.id);
        return [`Deleted client ${values.id}`];
      default:
        throw new Error(OIDC_USAGE);
    }
  } catch (err) {
    throw isAppError(err) ? new Error(err.message) : err;
  }
}
