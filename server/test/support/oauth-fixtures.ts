import type { ConsumerAuthorizeMeta, ConsumerAuthorizeResponse } from 'fusio-sdk';
import type { PlatformOptions } from '../../src/runtime/create-platform.js';
import type { TestDatabase } from './databases.js';
import { type Harness, startHarness } from './harness.js';

/** The database of a running harness, for another one; dropping it is left to the first harness. */
export function sameDatabase(first: Harness, kind: TestDatabase['kind'] = 'postgres'): TestDatabase {
  return { kind, create: async () => ({ url: first.databaseUrl, drop: async () => {} }) };
}

/**
 * Another Portico node of the same installation: same system database and same public URL (the
 * issuer every token names), listening on its own port, as nodes behind a load balancer do.
 */
export function startSecondNode(first: Harness, options: PlatformOptions = {}): Promise<Harness> {
  return startHarness(sameDatabase(first), { PUBLIC_URL: first.baseUrl }, options);
}

export interface TestUser {
  id: number;
  name: string;
  password: string;
}

export interface TestApp {
  id: number;
  key: string;
  secret: string;
  redirectUri: string;
}

export interface OAuthWorld {
  /** GET /todo: an API operation that needs the `todo` scope */
  todoPath: string;
  /** a developer-portal user holding the `todo` scope */
  alice: TestUser;
  /** the developer who owns both apps */
  daveId: number;
  /** a confidential client (server-side web app) with two registered redirect URIs */
  web: TestApp & { otherRedirectUri: string };
  /** a public client (single-page app): token_endpoint_auth_method none */
  spa: TestApp;
}

/** An API scope, a consumer with it, and two apps allowed to ask for it. */
export async function createOAuthWorld(h: Harness): Promise<OAuthWorld> {
  const db = h.portico.platform.db;
  await h.admin.backend().scope().create({ name: 'todo', description: 'Read and write your todo list' });
  // an API operation only `todo` tokens may call
  await h.admin
    .backend()
    .action()
    .create({
      name: 'todo-list',
      class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
      config: { response: JSON.stringify([{ title: 'try OAuth2' }]) },
    });
  await h.admin
    .backend()
    .operation()
    .create({
      name: 'todo.getAll',
      httpMethod: 'GET',
      httpPath: '/todo',
      action: 'todo-list',
      public: false,
      scopes: ['todo'],
    });
  const role = await db.selectFrom('roles').select('id').where('name', '=', 'Consumer').executeTakeFirstOrThrow();
  const password = 'alice-secret-password';
  const created = await h.admin
    .backend()
    .user()
    .create({
      roleId: role.id,
      name: 'alice',
      email: 'alice@example.com',
      password,
      scopes: ['todo'],
    });
  // the developer who registered the apps; client_credentials tokens act for them
  const owner = await h.admin
    .backend()
    .user()
    .create({
      roleId: role.id,
      name: 'dave',
      email: 'dave@example.com',
      password: 'dave-secret-password',
      scopes: ['todo'],
    });
  const app = async (name: string, url: string, metadata: Record<string, string>) => {
    const answer = (await h.admin
      .backend()
      .app()
      .create({
        userId: Number(owner.id),
        name,
        url,
        scopes: ['todo'],
        metadata,
      })) as { id: string; appKey: string; appSecret: string };
    return { id: Number(answer.id), key: answer.appKey, secret: answer.appSecret };
  };
  const webRedirect = 'https://web.example/callback';
  const webOther = 'https://web.example/other-callback';
  const web = await app('Todo Web', 'https://web.example', { redirect_uris: `${webRedirect} ${webOther}` });
  const spaRedirect = 'http://127.0.0.1:8765/callback';
  const spa = await app('Todo SPA', 'http://127.0.0.1:8765', {
    redirect_uris: spaRedirect,
    token_endpoint_auth_method: 'none',
  });
  return {
    todoPath: '/todo',
    alice: { id: Number(created.id), name: 'alice', password },
    daveId: Number(owner.id),
    web: { ...web, redirectUri: webRedirect, otherRedirectUri: webOther },
    spa: { ...spa, redirectUri: spaRedirect },
  };
}

/**
 * Follows GET /authorization/authorize to the consent page and answers it as the developer portal
 * does with fusio-sdk: the user logs in, the page shows the app (getApp) and sends the decision (authorize).
 */
export async function consentThroughPortal(
  h: Harness,
  user: TestUser,
  authorizationUrl: URL,
  allow = true,
): Promise<{ consentPage: URL; meta: ConsumerAuthorizeMeta; answer: ConsumerAuthorizeResponse }> {
  const redirect = await fetch(authorizationUrl, { redirect: 'manual' });
  if (redirect.status !== 302) throw new Error(`authorize answered ${redirect.status}: ${await redirect.text()}`);
  const consentPage = new URL(redirect.headers.get('location') ?? '');
  const q = consentPage.searchParams;
  // the portal's own session: everything the user may have (a narrower token could consent to no more than it holds)
  const portal = h.client(user.name, user.password);
  const meta = await portal
    .consumer()
    .account()
    .getApp(q.get('client_id') ?? '', q.get('scope') ?? '');
  const payload: Record<string, unknown> = {
    responseType: q.get('response_type') ?? undefined,
    clientId: q.get('client_id') ?? undefined,
    redirectUri: q.get('redirect_uri') ?? undefined,
    scope: q.get('scope') ?? undefined,
    state: q.get('state') ?? undefined,
    allow,
  };
  // beyond fusio-sdk's ConsumerAuthorizeRequest: PKCE and the OpenID nonce travel along
  for (const [param, field] of [
    ['code_challenge', 'codeChallenge'],
    ['code_challenge_method', 'codeChallengeMethod'],
    ['nonce', 'nonce'],
  ] as const) {
    const value = q.get(param);
    if (value !== null) payload[field] = value;
  }
  const answer = await portal.consumer().account().authorize(payload);
  return { consentPage, meta, answer };
}

/** POSTs a form to a token-style endpoint and returns status and JSON body. */
export async function postForm(
  h: Harness,
  path: string,
  params: Record<string, string>,
  basic?: { id: string; secret: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString('base64')}`;
  const res = await h.fetch(path, { method: 'POST', headers, body: new URLSearchParams(params) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** GET with a bearer token; the status tells whether the token is accepted. */
export async function statusWithToken(h: Harness, path: string, token: string): Promise<number> {
  const res = await h.fetch(path, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}
