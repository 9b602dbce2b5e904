import { createHash, randomUUID } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listGrants, revokeGrant } from '../src/oauth/grants.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import {
  consentThroughPortal,
  createOAuthWorld,
  type OAuthWorld,
  postForm,
  statusWithToken,
} from './support/oauth-fixtures.js';

const databases = await systemDatabases();

/** The OAuth2 error code of a failed openid-client call. */
async function oauthErrorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) return error.error;
    throw error;
  }
  throw new Error('expected the OAuth2 request to fail');
}

describe.each(databases)('apps get scoped tokens and log users in with OAuth2 / OpenID Connect ($kind)', (database) => {
  let h: Harness;
  let world: OAuthWorld;
  let web: oidc.Configuration;
  let spa: oidc.Configuration;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  const discover = (clientId: string, secret?: string, auth?: oidc.ClientAuth) =>
    oidc.discovery(new URL(h.baseUrl), clientId, secret, auth, { execute: [oidc.allowInsecureRequests] });

  /** Runs the browser part of the authorization code flow and returns the redirect back to the app. */
  async function authorize(config: oidc.Configuration, params: Record<string, string>, allow = true) {
    const { answer, meta, consentPage } = await consentThroughPortal(
      h,
      world.alice,
      oidc.buildAuthorizationUrl(config, params),
      allow,
    );
    return { answer, meta, consentPage, callback: new URL(answer.redirectUri ?? 'about:blank') };
  }

  /** A fresh code for the web app with PKCE; returns what the token request needs. */
  async function codeForWeb(extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const { callback } = await authorize(web, {
      redirect_uri: world.web.redirectUri,
      scope: 'todo',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    });
    return { code: callback.searchParams.get('code') ?? '', verifier, state, callback };
  }

  const exchange = (params: Record<string, string>) =>
    postForm(
      h,
      '/authorization/token',
      { grant_type: 'authorization_code', ...params },
      {
        id: world.web.key,
        secret: world.web.secret,
      },
    );

  beforeAll(async () => {
    h = await startHarness(database);
    world = await createOAuthWorld(h);
    web = await discover(world.web.key, world.web.secret);
    oidc.enableNonRepudiationChecks(web);
    spa = await discover(world.spa.key, undefined, oidc.None());
    jwks = createRemoteJWKSet(new URL(web.serverMetadata().jwks_uri as string));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('publishes OAuth 2.0 and OpenID Connect discovery documents as public system operations', async () => {
    const metadata = web.serverMetadata();
    expect(metadata.issuer).toBe(h.baseUrl);
    expect(metadata.jwks_uri).toBe(`${h.baseUrl}/authorization/jwks`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'client_credentials', 'refresh_token']),
    );
    const rfc8414 = (await (await h.fetch('/.well-known/oauth-authorization-server')).json()) as Record<
      string,
      unknown
    >;
    expect(rfc8414).toMatchObject({
      issuer: h.baseUrl,
      token_endpoint: `${h.baseUrl}/authorization/token`,
      revocation_endpoint: `${h.baseUrl}/authorization/revoke`,
      introspection_endpoint: `${h.baseUrl}/authorization/introspect`,
    });
    const keys = (await (await h.fetch('/authorization/jwks')).json()) as { keys: { kid: string; d?: string }[] };
    expect(keys.keys.length).toBeGreaterThan(0);
    expect(keys.keys.every((k) => k.d === undefined)).toBe(true);
    // the paths belong to the platform: nobody can put a user operation there
    await h.admin
      .backend()
      .action()
      .create({
        name: 'fake-discovery',
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: '{}' },
      });
    const shadow = await h.fetch('/backend/operation', {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'fake.discovery',
        httpMethod: 'GET',
        httpPath: '/.well-known/openid-configuration',
        action: 'fake-discovery',
        public: true,
      }),
    });
    expect(shadow.status).toBeGreaterThanOrEqual(400);
    expect(shadow.status).toBeLessThan(500);
    const still = (await (await h.fetch('/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(still.issuer).toBe(h.baseUrl);
  });

  it('issues client_credentials tokens that verify against the JWKS, with secrets posted or sent by Basic', async () => {
    const posted = await oidc.clientCredentialsGrant(web, { scope: 'todo' });
    const { payload, protectedHeader } = await jwtVerify(posted.access_token, jwks, {
      issuer: h.baseUrl,
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ scope: 'todo', client_id: world.web.key, sub: String(world.daveId) });
    expect(await statusWithToken(h, world.todoPath, posted.access_token)).toBe(200);
    const basic = await discover(world.web.key, world.web.secret, oidc.ClientSecretBasic(world.web.secret));
    const viaBasic = await oidc.clientCredentialsGrant(basic, { scope: 'todo' });
    expect((await jwtVerify(viaBasic.access_token, jwks, { issuer: h.baseUrl })).payload.client_id).toBe(world.web.key);
    // a public client has no secret to prove
    expect(await oauthErrorOf(oidc.clientCredentialsGrant(spa, { scope: 'todo' }))).toBe('unauthorized_client');
    expect(
      (
        await postForm(
          h,
          '/authorization/token',
          { grant_type: 'client_credentials' },
          { id: world.web.key, secret: 'wrong' },
        )
      ).status,
    ).toBe(401);
  });

  it('runs the authorization code flow with PKCE and returns a valid id_token, access token and userinfo', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const { answer, meta, consentPage, callback } = await authorize(web, {
      redirect_uri: world.web.redirectUri,
      scope: 'openid todo',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    expect(`${consentPage.origin}${consentPage.pathname}`).toBe(`${h.baseUrl}/apps/developer/authorize`);
    expect(meta.name).toBe('Todo Web');
    expect(meta.scopes?.map((s) => s.name)).toEqual(['openid', 'todo']);
    expect(answer).toMatchObject({ type: 'code', state });
    expect(callback.origin + callback.pathname).toBe(world.web.redirectUri);
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('iss')).toBe(h.baseUrl);

    const tokens = await oidc.authorizationCodeGrant(web, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    expect(claims).toMatchObject({ iss: h.baseUrl, sub: String(world.alice.id), aud: world.web.key, nonce });
    expect(claims?.preferred_username).toBe('alice');
    // the id_token's signature, checked against the JWKS independently of openid-client
    const idToken = await jwtVerify(tokens.id_token as string, jwks, { issuer: h.baseUrl, audience: world.web.key });
    const expectedAtHash = createHash('sha256')
      .update(tokens.access_token)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
    expect(idToken.payload.at_hash).toBe(expectedAtHash);
    const access = await jwtVerify(tokens.access_token, jwks, { issuer: h.baseUrl, typ: 'at+jwt' });
    expect(access.payload).toMatchObject({ sub: String(world.alice.id), client_id: world.web.key });
    expect(String(access.payload.scope).split(' ').sort()).toEqual(['openid', 'todo']);

    const info = await oidc.fetchUserInfo(web, tokens.access_token, String(world.alice.id));
    expect(info).toMatchObject({ sub: String(world.alice.id), name: 'alice', email: 'alice@example.com' });

    // the consent is remembered for /consumer/grant
    const grants = await h.portico.platform.db
      .selectFrom('user_grants')
      .selectAll()
      .where('user_id', '=', world.alice.id)
      .where('app_id', '=', world.web.id)
      .execute();
    expect(grants).toHaveLength(1);
    expect(grants[0]?.allow).toBe(1);

    // refresh rotates the refresh token
    const refreshed = await oidc.refreshTokenGrant(web, tokens.refresh_token as string);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(await statusWithToken(h, '/authorization/userinfo', refreshed.access_token)).toBe(200);

    // withdrawing the grant (what /consumer/grant's delete does) ends the app's access
    const platform = h.portico.platform;
    const listed = await listGrants(platform, world.alice.id, { startIndex: 0, count: 16 });
    expect(listed.entry.map((g) => g.app?.name)).toEqual(['Todo Web']);
    expect(await revokeGrant(platform, world.alice.id, listed.entry[0]?.id as number)).toBe(true);
    expect(await statusWithToken(h, '/authorization/userinfo', refreshed.access_token)).toBe(401);
    expect(await oauthErrorOf(oidc.refreshTokenGrant(web, refreshed.refresh_token as string))).toBe('invalid_grant');
    expect((await listGrants(platform, world.alice.id, { startIndex: 0, count: 16 })).totalResults).toBe(0);
  });

  it('answers the consent API as Fusio does and sends browsers to the configured consent page', async () => {
    const portal = h.client(world.alice.name, world.alice.password, ['consumer']);
    const nonsense = await portal
      .consumer()
      .account()
      .authorize({ foo: 'bar' } as Record<string, unknown>);
    expect(nonsense).toMatchObject({ type: 'unsupported_response_type', error: 'Invalid response type' });
    const implicit = await portal.consumer().account().authorize({
      responseType: 'token',
      clientId: world.web.key,
      redirectUri: world.web.redirectUri,
      scope: 'todo',
      state: 'state',
      allow: true,
    });
    expect(implicit).toMatchObject({ type: 'unsupported_response_type', state: 'state' });
    const back = new URL(implicit.redirectUri ?? '');
    expect(back.searchParams.get('error')).toBe('unsupported_response_type');
    expect(back.searchParams.get('state')).toBe('state');
    await expect(portal.consumer().account().getApp('no-such-client', 'todo')).rejects.toThrow();

    await h.admin.backend().config().update('~authorization_url', { value: 'https://portal.example/consent?lang=en' });
    try {
      const res = await fetch(
        oidc.buildAuthorizationUrl(web, { redirect_uri: world.web.redirectUri, scope: 'todo', state: 'abc' }),
        { redirect: 'manual' },
      );
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.origin + location.pathname).toBe('https://portal.example/consent');
      expect(location.searchParams.get('lang')).toBe('en');
      expect(location.searchParams.get('client_id')).toBe(world.web.key);
      expect(location.searchParams.get('state')).toBe('abc');
    } finally {
      await h.admin.backend().config().update('~authorization_url', { value: '' });
    }
  });

  it('lets a public client use its client_id and PKCE, and insists on PKCE with S256', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const { callback } = await authorize(spa, {
      redirect_uri: world.spa.redirectUri,
      scope: 'todo',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const tokens = await oidc.authorizationCodeGrant(spa, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    expect(decodeJwt(tokens.access_token).client_id).toBe(world.spa.key);

    // without PKCE, or with `plain`, the browser goes back to the app with an error
    const attempts: Record<string, string>[] = [
      { redirect_uri: world.spa.redirectUri, scope: 'todo', state: 'no-pkce' },
      {
        redirect_uri: world.spa.redirectUri,
        scope: 'todo',
        state: 'plain',
        code_challenge: verifier,
        code_challenge_method: 'plain',
      },
      { redirect_uri: world.spa.redirectUri, scope: 'todo', state: 'implicit-plain', code_challenge: verifier },
    ];
    for (const params of attempts) {
      const res = await fetch(oidc.buildAuthorizationUrl(spa, params), { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location') ?? '');
      expect(location.origin + location.pathname).toBe(world.spa.redirectUri);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('state')).toBe(params.state);
    }
    // the consent endpoint refuses `plain` as well
    const portal = h.client(world.alice.name, world.alice.password, ['consumer']);
    const refused = await portal
      .consumer()
      .account()
      .authorize({
        responseType: 'code',
        clientId: world.web.key,
        redirectUri: world.web.redirectUri,
        scope: 'todo',
        state: 's',
        allow: true,
        codeChallenge: verifier,
        codeChallengeMethod: 'plain',
      } as Record<string, unknown>);
    expect(refused).toMatchObject({ type: 'invalid_request', state: 's' });
    expect(refused.code).toBeUndefined();
  });

  it('refuses a wrong or missing PKCE verifier and a verifier for a code issued without a challenge', async () => {
    const wrong = await codeForWeb();
    const other = oidc.randomPKCECodeVerifier();
    expect(
      (await exchange({ code: wrong.code, redirect_uri: world.web.redirectUri, code_verifier: other })).body.error,
    ).toBe('invalid_grant');

    const missing = await codeForWeb();
    const noVerifier = await exchange({ code: missing.code, redirect_uri: world.web.redirectUri });
    expect(noVerifier).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    // a confidential client may skip PKCE, but then a verifier is a downgrade attempt
    const { callback } = await authorize(web, { redirect_uri: world.web.redirectUri, scope: 'todo', state: 'x' });
    const downgrade = await exchange({
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: world.web.redirectUri,
      code_verifier: other,
    });
    expect(downgrade.body.error).toBe('invalid_grant');
  });

  it('accepts a code once: a replay fails and revokes the tokens issued for it', async () => {
    const { code, verifier } = await codeForWeb();
    const first = await exchange({ code, redirect_uri: world.web.redirectUri, code_verifier: verifier });
    expect(first.status).toBe(200);
    const accessToken = first.body.access_token as string;
    expect(await statusWithToken(h, world.todoPath, accessToken)).toBe(200);
    const introspect = () =>
      postForm(h, '/authorization/introspect', { token: accessToken }, { id: world.web.key, secret: world.web.secret });
    expect((await introspect()).body.active).toBe(true);

    const replay = await exchange({ code, redirect_uri: world.web.redirectUri, code_verifier: verifier });
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await introspect()).body).toEqual({ active: false });
    expect(await statusWithToken(h, world.todoPath, accessToken)).toBe(401);
    const refresh = await postForm(
      h,
      '/authorization/token',
      { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string },
      { id: world.web.key, secret: world.web.secret },
    );
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('refuses an expired code', async () => {
    const { code, verifier } = await codeForWeb();
    await h.portico.platform.db
      .updateTable('app_codes')
      .set({ expires_at: Date.now() - 1 })
      .where('used_at', 'is', null)
      .execute();
    const late = await exchange({ code, redirect_uri: world.web.redirectUri, code_verifier: verifier });
    expect(late).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Authorization code is expired' },
    });
  });

  it('matches redirect URIs exactly, at the authorization and at the token endpoint', async () => {
    const base = { response_type: 'code', client_id: world.web.key, scope: 'todo', state: 'st' };
    for (const redirectUri of [
      'https://evil.example/callback',
      'https://web.example/callback/',
      'https://web.example/callback?x=1',
      'https://web.example.evil.example/callback',
    ]) {
      const res = await h.fetch(
        `/authorization/authorize?${new URLSearchParams({ ...base, redirect_uri: redirectUri })}`,
        {
          redirect: 'manual',
        },
      );
      // never sent to an unregistered URI
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    }
    const portal = h.client(world.alice.name, world.alice.password, ['consumer']);
    const consent = await portal.consumer().account().authorize({
      responseType: 'code',
      clientId: world.web.key,
      redirectUri: 'https://evil.example/callback',
      scope: 'todo',
      state: 'st',
      allow: true,
    });
    expect(consent.type).toBe('invalid_request');
    expect(consent.code).toBeUndefined();
    expect(consent.redirectUri).toBeUndefined();

    // a code issued for one registered URI cannot be redeemed with the other
    const { code, verifier } = await codeForWeb();
    const swapped = await exchange({ code, redirect_uri: world.web.otherRedirectUri, code_verifier: verifier });
    expect(swapped.body.error).toBe('invalid_grant');
    // and the other registered URI works on its own
    const other = await codeForWeb({ redirect_uri: world.web.otherRedirectUri });
    expect(other.callback.origin + other.callback.pathname).toBe(world.web.otherRedirectUri);
  });

  it('refuses expired, tampered, unsigned and foreign JWTs', async () => {
    const platform = h.portico.platform;
    const good = (await oidc.clientCredentialsGrant(web, { scope: 'todo' })).access_token;
    const [header, payload] = good.split('.') as [string, string, string];
    const claims = decodeJwt(good);
    const { kid } = decodeProtectedHeader(good);

    // signed by Portico's own key, but expired
    const { key } = platform.keys.signingKey();
    const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 60, jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
      .sign(key);
    // payload changed (more scope), signature kept
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, scope: 'backend todo' })).toString('base64url')}.${good.split('.')[2]}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid })).toString('base64url')}.${payload}.`;
    const foreignKey = (await generateKeyPair('RS256')).privateKey;
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' }).sign(foreignKey);
    const foreignKid = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: randomUUID(), typ: 'at+jwt' })
      .sign(foreignKey);
    const asHs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
      .sign(new TextEncoder().encode(JSON.stringify(web.serverMetadata())));

    expect(await statusWithToken(h, '/authorization/userinfo', good)).toBe(403); // valid, but no openid scope
    for (const token of [expired, tampered, unsigned, foreign, foreignKid, asHs256]) {
      const res = await h.fetch('/authorization/whoami', { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('invalid_token');
      const inspected = await postForm(
        h,
        '/authorization/introspect',
        { token },
        { id: world.web.key, secret: world.web.secret },
      );
      expect(inspected.body).toEqual({ active: false });
    }
  });

  it('rotates refresh tokens and revokes the whole family when a used one comes back', async () => {
    const { code, verifier } = await codeForWeb();
    const first = await oidc.authorizationCodeGrant(
      web,
      new URL(`${world.web.redirectUri}?code=${code}&iss=${encodeURIComponent(h.baseUrl)}`),
      { pkceCodeVerifier: verifier },
    );
    const second = await oidc.refreshTokenGrant(web, first.refresh_token as string);
    const third = await oidc.refreshTokenGrant(web, second.refresh_token as string);
    expect(await statusWithToken(h, world.todoPath, third.access_token)).toBe(200);
    const active = async (token: string) =>
      (await postForm(h, '/authorization/introspect', { token }, { id: world.web.key, secret: world.web.secret })).body
        .active;
    expect(await active(third.access_token)).toBe(true);

    // an attacker replays the first refresh token
    expect(await oauthErrorOf(oidc.refreshTokenGrant(web, first.refresh_token as string))).toBe('invalid_grant');
    expect(await active(third.access_token)).toBe(false);
    expect(await statusWithToken(h, world.todoPath, third.access_token)).toBe(401);
    expect(await active(third.refresh_token as string)).toBe(false);
    expect(await oauthErrorOf(oidc.refreshTokenGrant(web, third.refresh_token as string))).toBe('invalid_grant');

    // a refresh token only works for its own client, which must authenticate
    const fresh = await codeForWeb();
    const webTokens = await exchange({
      code: fresh.code,
      redirect_uri: world.web.redirectUri,
      code_verifier: fresh.verifier,
    });
    const refreshToken = webTokens.body.refresh_token as string;
    const byOtherClient = await postForm(h, '/authorization/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: world.spa.key,
    });
    expect(byOtherClient.body.error).toBe('invalid_grant');
    const withoutSecret = await postForm(h, '/authorization/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: world.web.key,
    });
    expect(withoutSecret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    // neither attempt used it up
    expect((await oidc.refreshTokenGrant(web, refreshToken)).access_token).toBeTruthy();
  });

  it('revokes tokens by RFC 7009 and by fusio-sdk revoke(), and introspection then says inactive', async () => {
    const issued = await oidc.clientCredentialsGrant(web, { scope: 'todo' });
    expect((await oidc.tokenIntrospection(web, issued.access_token)).active).toBe(true);
    const introspected = await oidc.tokenIntrospection(web, issued.access_token);
    expect(introspected).toMatchObject({ client_id: world.web.key, scope: 'todo', token_type: 'Bearer' });
    await oidc.tokenRevocation(web, issued.access_token);
    expect((await oidc.tokenIntrospection(web, issued.access_token)).active).toBe(false);
    expect(await statusWithToken(h, world.todoPath, issued.access_token)).toBe(401);

    // revoking a refresh token ends its access token too
    const pair = await oidc.clientCredentialsGrant(web, { scope: 'todo' });
    await oidc.tokenRevocation(web, pair.refresh_token as string, { token_type_hint: 'refresh_token' });
    expect((await oidc.tokenIntrospection(web, pair.access_token)).active).toBe(false);

    // another client cannot revoke it, and introspection needs client authentication
    const mine = await oidc.clientCredentialsGrant(web, { scope: 'todo' });
    expect(await oauthErrorOf(oidc.tokenRevocation(spa, mine.access_token))).toBe('invalid_request');
    expect((await oidc.tokenIntrospection(web, mine.access_token)).active).toBe(true);
    expect((await postForm(h, '/authorization/introspect', { token: mine.access_token })).status).toBe(401);

    // fusio-sdk's revoke(): the bearer token revokes itself
    const adminToken = await h.adminToken();
    const res = await h.fetch('/authorization/revoke', {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(await res.json()).toEqual({ success: true });
    expect(await statusWithToken(h, '/authorization/whoami', adminToken)).toBe(401);
    const sdk = h.client('admin', 'correct-horse-battery');
    expect(await sdk.authorization().revoke()).toMatchObject({ success: true });
  });

  it('records a denial, revokes what the app held and tells the app access_denied', async () => {
    const { code, verifier } = await codeForWeb();
    const held = await exchange({ code, redirect_uri: world.web.redirectUri, code_verifier: verifier });
    const { answer, callback } = await authorize(
      web,
      { redirect_uri: world.web.redirectUri, scope: 'todo', state: 'deny-me' },
      false,
    );
    expect(answer).toMatchObject({ type: 'access_denied', state: 'deny-me' });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(await statusWithToken(h, world.todoPath, held.body.access_token as string)).toBe(401);
    const introspected = await postForm(
      h,
      '/authorization/introspect',
      { token: held.body.access_token as string },
      { id: world.web.key, secret: world.web.secret },
    );
    expect(introspected.body.active).toBe(false);
  });

  it('takes consent only from the user, never from a token an app holds for them', async () => {
    const appHeld = (await oidc.clientCredentialsGrant(web, { scope: 'todo' })).access_token;
    const res = await h.fetch('/consumer/authorize', {
      method: 'POST',
      headers: { authorization: `Bearer ${appHeld}`, 'content-type': 'application/json' },
      body: JSON.stringify({ responseType: 'code', clientId: world.web.key, scope: 'todo', allow: true }),
    });
    expect([401, 403]).toContain(res.status);
    const anonymous = await h.fetch('/consumer/authorize', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ responseType: 'code', clientId: world.web.key, scope: 'todo', allow: true }),
    });
    expect(anonymous.status).toBe(401);
  });

  it('never hands the backend scope to a third-party app, even one the admin allows it', async () => {
    const owner = await h.portico.platform.db
      .selectFrom('users')
      .select('id')
      .where('name', '=', 'admin')
      .executeTakeFirstOrThrow();
    await h.admin
      .backend()
      .user()
      .update(String(owner.id), { scopes: ['todo'] });
    const hungry = (await h.admin
      .backend()
      .app()
      .create({
        userId: owner.id,
        name: 'Backend Hungry',
        url: 'https://hungry.example/cb',
        scopes: ['backend', 'todo'],
      })) as { appKey: string; appSecret: string };
    const config = await discover(hungry.appKey, hungry.appSecret);
    const admin = { id: owner.id, name: 'admin', password: 'correct-horse-battery' };
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      scope: 'backend todo',
      state: 'b',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const { meta, answer } = await consentThroughPortal(h, admin, url);
    expect(meta.scopes?.map((s) => s.name)).toEqual(['todo']);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(answer.redirectUri ?? ''), {
      pkceCodeVerifier: verifier,
      expectedState: 'b',
    });
    expect(tokens.scope).toBe('todo');
    expect(await statusWithToken(h, '/backend/user', tokens.access_token)).toBe(403);
    const onlyBackend = await consentThroughPortal(
      h,
      admin,
      oidc.buildAuthorizationUrl(config, { scope: 'backend', state: 'c' }),
    );
    expect(onlyBackend.answer.type).toBe('invalid_scope');
  });
});

/**
 * Its own installation with a long back-off: past its free attempts a key waits 1 s before the next one,
 * and a loaded machine can take that long between two guesses, which the throttle then rightly lets through.
 */
describe.each(databases)('password guessing at the token endpoint ($kind)', (database) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(database, {}, { loginThrottlePolicy: { baseDelayMs: 10 * 60_000 } });
    await createOAuthWorld(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('slows down password guessing at the token endpoint', async () => {
    const guess = (password: string) =>
      postForm(h, '/authorization/token', { grant_type: 'client_credentials' }, { id: 'dave', secret: password });
    let last = await guess('wrong-1');
    for (let i = 2; last.status === 401 && i <= 10; i++) last = await guess(`wrong-${i}`);
    expect(last.status).toBe(429);
    expect(last.body.error).toBe('invalid_request');
    // blocked means blocked, whatever the password
    expect((await guess('dave-secret-password')).status).toBe(429);
  });
});
