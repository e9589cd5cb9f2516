import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';

export interface Person {
  sub: string;
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
}

/**
 * A real OpenID provider (the oidc-provider package) set up like Google: discovery, code flow with PKCE S256,
 * client_secret_post, `openid email profile`, RS256 ID tokens. Its login and consent steps answer at once for
 * `person` (as a user who is already signed in at Google would see); `deny` makes the user refuse, and
 * `forgeIdToken` rewrites the ID token of the token response (another key, a past `exp`).
 */
export async function googleLike(client: { clientId: string; clientSecret: string; redirectUri: string }) {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const key: JWK = { ...(await exportJWK(privateKey)), kid: 'google-1', alg: 'RS256', use: 'sig' };
  const people = new Map<string, Person>();
  const behaviour: {
    person: Person;
    deny: boolean;
    forgeIdToken?: (idToken: string) => Promise<string>;
  } = { person: { sub: 'nobody' }, deny: false };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [key] },
    findAccount: async (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: async () => ({ ...people.get(sub), sub }),
    }),
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name'],
    },
    scopes: ['openid', 'email', 'profile'],
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: async (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['google-like-cookie-key'] },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
  });
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === '/token' && behaviour.forgeIdToken && body?.id_token) {
      ctx.body = { ...body, id_token: await behaviour.forgeIdToken(body.id_token) };
    }
  });

  async function interaction(req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    if (behaviour.deny) {
      const denied = { error: 'access_denied', error_description: 'The user refused' };
      return provider.interactionFinished(req, res, denied, { mergeWithLastSubmission: false });
    }
    if (details.prompt.name === 'login') {
      people.set(behaviour.person.sub, behaviour.person);
      return provider.interactionFinished(req, res, { login: { accountId: behaviour.person.sub } });
    }
    const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id });
    grant.addOIDCScope(String(details.params.scope));
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } });
  }
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((err: Error) => res.writeHead(500).end(err.message));
    } else void callback(req, res);
  });

  /** Signs `claims` (the real token's, changed) with the provider's key or another one. */
  async function resign(idToken: string, change: Record<string, unknown>, otherKey = false) {
    const signer = otherKey ? (await generateKeyPair('RS256')).privateKey : privateKey;
    return new SignJWT({ ...decodeJwt(idToken), ...change })
      .setProtectedHeader({ alg: 'RS256', kid: 'google-1', typ: 'JWT' })
      .sign(signer);
  }

  return {
    issuer,
    behaviour,
    resign,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
