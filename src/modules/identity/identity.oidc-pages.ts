import { createHash } from 'node:crypto';

/**
 * The OpenID provider's pages, rendered on the server (no front-end build): login, consent, logout and errors.
 * One stylesheet inline, allowed by its hash; no script; every value escaped.
 */
const STYLE = `body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;margin:0;padding:3rem 1rem;color:#1d2330}
main{max-width:22rem;margin:auto;background:#fff;padding:1.5rem 2rem;border-radius:.5rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #b8bfcc;border-radius:.25rem;font:inherit}
button{font:inherit;padding:.5rem 1rem;margin:1rem .5rem 0 0;border:0;border-radius:.25rem;background:#2454c5;color:#fff;cursor:pointer}
button.secondary{background:#e3e6ec;color:#1d2330}.error{color:#a3161b;font-weight:600}ul{padding-left:1.2rem}`;

/** Pages may style themselves with the stylesheet above and do nothing else; forms post where they must. */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  // oidc-provider adds the hash of its one auto-submitting form script (form_post) to script-src.
  "script-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escape = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function page(title: string, body: string) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)} — Agora</title><style>${STYLE}</style></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

export function loginPage(o: { action: string; client: string; login?: string; error?: string }) {
  return page(
    'Sign in to Agora',
    `<p>to continue to <strong>${escape(o.client)}</strong></p>
${o.error ? `<p class="error" role="alert">${escape(o.error)}</p>` : ''}
<form method="post" action="${escape(o.action)}" autocomplete="on">
<label for="login">Username or email</label>
<input id="login" name="login" required autofocus value="${escape(o.login)}" autocomplete="username">
<label for="password">Password</label>
<input id="password" name="password" type="password" required autocomplete="current-password">
<button id="sign-in" type="submit">Sign in</button>
</form>`,
  );
}

const SCOPES: Record<string, string> = {
  openid: 'Know who you are on Agora',
  profile: 'See your user name and your name',
  email: 'See your email address',
  offline_access: 'Stay signed in when you are away',
};

export function consentPage(o: { confirm: string; abort: string; client: string; scopes: string[] }) {
  const items = o.scopes.map((s) => `<li>${escape(SCOPES[s] ?? s)}</li>`).join('');
  return page(
    'Allow access?',
    `<p><strong>${escape(o.client)}</strong> asks to:</p><ul>${items}</ul>
<form method="post" action="${escape(o.confirm)}"><button id="allow" type="submit">Allow</button></form>
<form method="post" action="${escape(o.abort)}"><button id="deny" class="secondary" type="submit">Deny</button></form>`,
  );
}

export function errorPage(title: string, message: string) {
  return page(title, `<p class="error">${escape(message)}</p>`);
}

/** oidc-provider's logout question: `form` is its own form (with its xsrf token), the buttons submit it. */
export function logoutPage(form: string) {
  return page(
    'Sign out of Agora?',
    `${form}<button id="logout" type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button class="secondary" type="submit" form="op.logoutForm">No, stay signed in</button>`,
  );
}

export const loggedOutPage = () => page('Signed out', '<p>You have signed out of Agora.</p>');
