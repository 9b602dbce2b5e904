import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';

export interface GithubTestUser {
  id: number;
  login: string;
  /** the public profile address; null when the user keeps it private */
  email: string | null;
  emails: { email: string; primary: boolean; verified: boolean }[];
}

export interface GithubStandIn {
  /** http://127.0.0.1:port — authorize and token URLs under /login/oauth, the user API under /user */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly users: Map<number, GithubTestUser>;
  /** who the next authorization logs in as; 'deny' answers like a user who pressed Cancel */
  loginAs: number | 'deny';
  /** the token requests received, as forms */
  readonly tokenRequests: URLSearchParams[];
  close(): Promise<void>;
}

/**
 * A local stand-in for GitHub's OAuth app endpoints and user API: /login/oauth/authorize redirects back
 * with a code at once, /login/oauth/access_token answers like GitHub (a bad code is a 200 with an error),
 * /user and /user/emails serve the logged-in user. It checks client credentials, redirect URI and PKCE.
 */
export async function startGithubStandIn(): Promise<GithubStandIn> {
  const codes = new Map<string, { userId: number; redirectUri: string; challenge: string | null }>();
  const tokens = new Map<string, number>();
  const standIn = {
    url: '',
    clientId: 'github-client-id',
    clientSecret: 'github-client-secret-0123456789',
    users: new Map<number, GithubTestUser>(),
    loginAs: 'deny' as number | 'deny',
    tokenRequests: [] as URLSearchParams[],
    close: async () => {},
  };
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', standIn.url);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
        const redirect = new URL(url.searchParams.get('redirect_uri') ?? '');
        const state = url.searchParams.get('state') ?? '';
        if (url.searchParams.get('client_id') !== standIn.clientId) return json(res, 404, { error: 'unknown client' });
        if (standIn.loginAs === 'deny') {
          redirect.searchParams.set('error', 'access_denied');
          redirect.searchParams.set('error_description', 'The user has denied your application access.');
        } else {
          const code = randomBytes(10).toString('hex');
          codes.set(code, {
            userId: standIn.loginAs,
            redirectUri: redirect.toString(),
            challenge: url.searchParams.get('code_challenge'),
          });
          redirect.searchParams.set('code', code);
        }
        redirect.searchParams.set('state', state);
        res.writeHead(302, { location: redirect.toString() });
        return res.end();
      }
      if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        standIn.tokenRequests.push(form);
        if (form.get('client_id') !== standIn.clientId || form.get('client_secret') !== standIn.clientSecret) {
          return json(res, 200, {
            error: 'incorrect_client_credentials',
            error_description: 'The client_id and/or client_secret passed are incorrect.',
          });
        }
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const pkceOk = grant?.challenge === createHash('sha256').update(verifier).digest('base64url');
        if (!grant || grant.redirectUri !== form.get('redirect_uri') || !pkceOk) {
          return json(res, 200, {
            error: 'bad_verification_code',
            error_description: 'The code passed is incorrect or expired.',
          });
        }
        const token = `gho_${randomBytes(16).toString('hex')}`;
        tokens.set(token, grant.userId);
        return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
      }
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const user = standIn.users.get(tokens.get(bearer ?? '') ?? -1);
      if (!user) return json(res, 401, { message: 'Bad credentials' });
      if (req.method === 'GET' && url.pathname === '/user') {
        return json(res, 200, { id: user.id, login: user.login, name: null, email: user.email });
      }
      if (req.method === 'GET' && url.pathname === '/user/emails') {
        return json(
          res,
          200,
          user.emails.map((e) => ({ ...e, visibility: e.primary ? 'public' : null })),
        );
      }
      return json(res, 404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  standIn.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return standIn;
}
