/**
 * The default pages of the developer portal as migration 2026-12-03a-pages writes them into a new or an
 * existing installation, once. Migration data: an admin edits the pages through the Page API, and a later
 * change of these texts needs a new migration, never an edit here.
 */
/** pages.status as this migration wrote it (pages/tables.ts PageStatus: 1 listed, 2 unlisted). */
const PageStatus = { visible: 1, invisible: 2 } as const;

/**
 * The pages a fresh install starts with (the ones Fusio's developer portal expects, plus terms), inserted
 * once by migration 2026-12-03a-pages. Markdown with placeholders (`pages/placeholders.ts`) that the
 * consumer API fills, so the text describes the installation it runs on. Admins change them through
 * /backend/page; an edit here reaches new installs only.
 */
export interface DefaultPage {
  readonly title: string;
  readonly slug: string;
  readonly status: number;
  readonly content: string;
}

const overview = `# {title}

Welcome to the developer portal of **{title}**. Here you sign up, create apps, get credentials and try
every operation of the API from your browser.

- **New here?** Follow [Getting started]({portal_url}/page/getting-started): an account, an app and your first call in five
  minutes.
- **Authorization**: how to get an access token for your app or on behalf of a user, in
  [Authorization]({portal_url}/page/authorization).
- **API reference**: every operation with its parameters, scopes and examples, generated from the
  [OpenAPI document]({base_url}/system/openapi). See [API]({portal_url}/page/api).
- **SDKs**: call the API from JavaScript, or generate a client for your language, in [SDK]({portal_url}/page/sdk).
- **Help**: [Support]({portal_url}/page/support).

The API lives at \`{base_url}\`.
`;

const gettingStarted = `# Getting started

Three steps from nothing to your first call to {title}.

## 1. Create an account

[Register]({portal_url}/register) with a user name, your email address and a password. If this
installation asks for it, you receive a mail with an activation link: open it to activate the account.
Then [log in]({portal_url}/login).

## 2. Create an app

An app stands for the software that calls the API. In the portal, open **Apps** and create one: give it a
name, the URL of your application and the scopes it needs (each scope lists what it allows).

You get an **app key** and an **app secret**. The secret is shown once: store it like a password, in your
server's configuration, never in code that runs in a browser or on a phone. If it leaks, regenerate it.

## 3. Get a token and call the API

Exchange the key and secret for an access token (the OAuth2 *client credentials* grant):

\`\`\`bash
curl -s -X POST '{base_url}/authorization/token' \\
  -u 'APP_KEY:APP_SECRET' \\
  -d 'grant_type=client_credentials'
\`\`\`

The answer holds \`access_token\`, \`expires_in\` (seconds) and \`refresh_token\`. Send the access token with
every call:

\`\`\`bash
curl -s '{base_url}/some/operation' -H 'Authorization: Bearer ACCESS_TOKEN'
\`\`\`

Public operations need no token at all. Which operations exist, and which scopes they need, is in the
[API reference]({portal_url}/page/api).

## What comes back

- Success: the status the operation documents, with a JSON body.
- Errors: a 4xx or 5xx status with a JSON body like
  \`{"success": false, "title": "Not Found", "message": "Could not find the resource"}\`. Every answer
  carries an \`X-Request-Id\` header: quote it when you ask for help.
- **401**: no token, or an expired or revoked one; get a new token. **403**: the token lacks the scope
  the operation needs.
- **429**: too many calls. See [Rate limits]({portal_url}/page/api#rate-limits).

You can follow your calls under **Usage** in the portal: calls per day by status and by operation, and
each call in the log.
`;

const authorization = `# Authorization

{title} is an OAuth 2.0 authorization server. Your app is an OAuth2 client: its **app key** is the
\`client_id\`, its **app secret** the \`client_secret\`.

| endpoint | URL |
|---|---|
| token | \`{base_url}/authorization/token\` |
| authorization (browser) | \`{base_url}/authorization/authorize\` |
| revocation | \`{base_url}/authorization/revoke\` |
| discovery | \`{base_url}/.well-known/openid-configuration\` |

## Your app calls the API for itself: client credentials

\`\`\`bash
curl -s -X POST '{base_url}/authorization/token' \\
  -u 'APP_KEY:APP_SECRET' \\
  -d 'grant_type=client_credentials' \\
  -d 'scope=SCOPE_A SCOPE_B'
\`\`\`

The key and secret go in the \`Authorization: Basic\` header (\`curl -u\` does that). Without \`scope\` the
token gets every scope the app has. The token acts as the developer who owns the app.

## Your app acts for a user: authorization code with PKCE

When other people use your application and it calls the API for them, each person grants your app
access once:

1. Register the exact redirect URI of your application in the app (its URL, or a list in the app's
   \`redirect_uris\` metadata).
2. Make a random \`code_verifier\` (43 to 128 characters) and its \`code_challenge\`: the base64url
   encoded SHA-256 of the verifier. PKCE with \`S256\` is required.
3. Send the browser to

   \`\`\`
   {base_url}/authorization/authorize?response_type=code&client_id=APP_KEY
     &redirect_uri=https://your.app/callback&scope=SCOPE_A&state=RANDOM
     &code_challenge=CHALLENGE&code_challenge_method=S256
   \`\`\`

   The user logs in to this portal, sees your app and the scopes it asks for, and allows or denies.
4. The browser comes back to your redirect URI with \`code\` and your \`state\` (check it). Redeem the code
   within 5 minutes:

   \`\`\`bash
   curl -s -X POST '{base_url}/authorization/token' \\
     -u 'APP_KEY:APP_SECRET' \\
     -d 'grant_type=authorization_code' -d 'code=CODE' \\
     -d 'redirect_uri=https://your.app/callback' -d 'code_verifier=VERIFIER'
   \`\`\`

Applications that cannot keep a secret (single-page or mobile apps) are *public clients*: mark the app's
metadata with \`token_endpoint_auth_method: none\` and send \`client_id\` instead of the Basic header.
Add \`openid\` to the scopes to also get an OpenID Connect \`id_token\`.

## Keeping a session: refresh tokens

Access tokens expire (\`expires_in\` seconds). Exchange the refresh token for a new pair before or after
that:

\`\`\`bash
curl -s -X POST '{base_url}/authorization/token' \\
  -u 'APP_KEY:APP_SECRET' \\
  -d 'grant_type=refresh_token' -d 'refresh_token=REFRESH_TOKEN'
\`\`\`

Each refresh token works once; use the new one from the answer. Presenting a used one again ends the
whole session, as a stolen token would.

## Scopes

A scope names a set of operations. A token can call an operation if it holds one of the operation's
scopes; otherwise the answer is **403**. The [API reference]({portal_url}/page/api) lists the scopes of every operation and
what each scope grants. An app can only get scopes its developer may hand out.

## Personal access tokens

For scripts and quick tests, **Tokens** in the portal makes a token for your own account with the scopes
you choose. Treat it like a password.
`;

const api = `# API

The whole API is described by an OpenAPI 3.1 document at
[\`{base_url}/system/openapi\`]({base_url}/system/openapi): paths, parameters, request and response
schemas, the scopes of each operation and the OAuth2 flows. The reference in this portal is generated
from it, and you can load it into Postman, Insomnia or an SDK generator.

## Calling an operation

- Base URL: \`{base_url}\`
- Send JSON with \`Content-Type: application/json\`; answers are JSON.
- Protected operations need \`Authorization: Bearer ACCESS_TOKEN\` (see [Authorization]({portal_url}/page/authorization)).
- Every answer has an \`X-Request-Id\` header; you may send your own (letters, digits, \`.\`, \`_\`, \`:\`, \`-\`).

## Errors

A failed call answers with a 4xx or 5xx status and

\`\`\`json
{ "success": false, "title": "Bad Request", "message": "what went wrong, in a sentence" }
\`\`\`

| status | meaning |
|---|---|
| 400 | the request is invalid: the message says which field |
| 401 | missing, expired or revoked token |
| 403 | the token lacks the scope the operation needs |
| 404 | no such resource (or no such path) |
| 405 | the path exists but not with this method: see the \`Allow\` header |
| 429 | rate limit reached |
| 5xx | a problem on our side: retry later, and quote the \`X-Request-Id\` if it persists |

## Rate limits

Calls are counted per app (or per user, or per address for anonymous calls) in a time window that
depends on your plan. Every answer tells you where you stand:

\`\`\`
RateLimit-Limit: 3600
RateLimit-Remaining: 3597
X-RateLimit-Limit: 3600
X-RateLimit-Remaining: 3597
\`\`\`

When nothing is left the answer is **429 Too Many Requests** with \`Retry-After\` (seconds until a call is
admitted again). Wait that long instead of retrying at once.

## Discovery

\`GET {base_url}/\` and \`GET {base_url}/system/about\` describe the installation: title, version, scopes
and links to the OpenAPI document, the token endpoint and this portal.
`;

const sdk = `# SDK

## JavaScript and TypeScript: fusio-sdk

{title} speaks the same platform API as Fusio, so the official
[\`fusio-sdk\`](https://www.npmjs.com/package/fusio-sdk) package manages your account, apps, tokens and
webhooks from code:

\`\`\`bash
npm install fusio-sdk sdkgen-client
\`\`\`

\`\`\`js
import { Client } from 'fusio-sdk';
import { OAuth2 } from 'sdkgen-client';

const client = new Client(
  '{base_url}',
  new OAuth2('APP_KEY', 'APP_SECRET', '{base_url}/authorization/token', '', null, null),
);
const apps = await client.consumer().app().getAll();
\`\`\`

## A client for the API's own operations

Generate one from the OpenAPI document at \`{base_url}/system/openapi\`, for example

\`\`\`bash
# TypeScript types and a typed fetch client
npx openapi-typescript {base_url}/system/openapi -o api.d.ts
# or a client in many languages
npx @openapitools/openapi-generator-cli generate -i {base_url}/system/openapi -g python -o client
\`\`\`

## Without an SDK

Any HTTP client works: get a token (see [Authorization]({portal_url}/page/authorization)) and send it as
\`Authorization: Bearer ACCESS_TOKEN\`.

\`\`\`python
import requests

token = requests.post('{base_url}/authorization/token',
                      auth=('APP_KEY', 'APP_SECRET'),
                      data={'grant_type': 'client_credentials'}).json()['access_token']
print(requests.get('{base_url}/system/about', headers={'Authorization': f'Bearer {token}'}).json())
\`\`\`
`;

const support = `# Support

{contact}

When you write, include:

- the \`X-Request-Id\` header of the failed answer (every answer has one),
- the time of the call, the method and the path,
- your app's name (never its secret or a token).

Before that, two places often answer the question: **Usage** in this portal lists your recent calls
with their status, and the [API reference]({portal_url}/page/api) lists what each operation expects.
`;

const terms = `# Terms of use

These are the terms under which {title} may be used. The operator of this installation publishes them
here; until they do, ask them at the address on the [Support]({portal_url}/page/support) page before you build on the API.

- Keep your app secret and your tokens confidential, and rotate a secret that may have leaked.
- Respect the rate limits of your plan.
- Do not use the API to break the law or to harm other users.
`;

export const defaultPages: readonly DefaultPage[] = [
  { title: 'Overview', slug: 'overview', status: PageStatus.invisible, content: overview },
  { title: 'Getting started', slug: 'getting-started', status: PageStatus.visible, content: gettingStarted },
  { title: 'Authorization', slug: 'authorization', status: PageStatus.visible, content: authorization },
  { title: 'API', slug: 'api', status: PageStatus.visible, content: api },
  { title: 'SDK', slug: 'sdk', status: PageStatus.visible, content: sdk },
  { title: 'Support', slug: 'support', status: PageStatus.visible, content: support },
  { title: 'Terms of use', slug: 'terms', status: PageStatus.visible, content: terms },
];
