import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CaptchaWidget } from '../settings/branding.js';
import { buildTime, loadWebBuild, type StaticFile, type WebBuild, webApps } from './web-build.js';

export interface WebServingOptions {
  /** the folder `npm run build --workspace web` writes (web/dist) */
  readonly dir: string;
  /** the path of PUBLIC_URL ('' at the root), put before the apps' asset links */
  readonly basePath: string;
  /** the captcha sign-up demands now (settings are cached in memory): its provider's hosts join the policy */
  readonly captcha?: () => CaptchaWidget | null;
}

/** Where each captcha provider's widget comes from: its script, its frame, its calls. */
const captchaSources: Record<CaptchaWidget['provider'], string> = {
  recaptcha:
    'https://www.google.com/recaptcha/ https://www.gstatic.com/recaptcha/ https://recaptcha.google.com/recaptcha/',
  hcaptcha: 'https://hcaptcha.com https://*.hcaptcha.com',
  turnstile: 'https://challenges.cloudflare.com',
};

/**
 * Script only from this origin (and the configured captcha's), no inline script, nothing framed. Mantine
 * sets styles from script (CSS variables, style props), hence inline styles; the portal's logo may live on
 * any http(s) host.
 */
export function webAppPolicy(captcha: CaptchaWidget['provider'] | null = null): string {
  const extra = captcha ? ` ${captchaSources[captcha]}` : '';
  return [
    "default-src 'self'",
    `script-src 'self'${extra}`,
    `style-src 'self' 'unsafe-inline'${extra}`,
    "img-src 'self' data: https: http:",
    "font-src 'self' data:",
    `connect-src 'self'${extra}`,
    `frame-src ${captcha ? extra.trim() : "'none'"}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const defaultPolicy = webAppPolicy();

const securityHeaders = {
  'content-security-policy': defaultPolicy,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // activation and reset links carry their token in the path: never hand it to another site
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const immutable = 'public, max-age=31536000, immutable';

/** Scripts and styles another site's page may load: the embeddable account app (module scripts need CORS). */
const crossOrigin = {
  'access-control-allow-origin': '*',
  'cross-origin-resource-policy': 'cross-origin',
};

/**
 * The web apps as Fastify routes of their own, beside the gateway's catch-all: API requests never pass
 * through this code, and these requests never reach the pipeline (no request log, no rate limit).
 */
export function registerWebApps(fastify: FastifyInstance, options: WebServingOptions): void {
  let build: WebBuild | null = null;
  let checkedAt = 0;
  // the build is read at the first request, and again when it changed on disk (looked at once a second)
  const current = (): WebBuild | null => {
    const now = Date.now();
    if (build !== null && now - checkedAt < 1000) return build;
    checkedAt = now;
    const time = buildTime(options.dir);
    if (time === null) build = null;
    else if (build === null || build.builtAt !== time) build = loadWebBuild(options.dir, options.basePath);
    return build;
  };

  const methods: ('GET' | 'HEAD')[] = ['GET', 'HEAD'];
  for (const app of webApps) {
    const handler = (req: FastifyRequest, reply: FastifyReply) => {
      const served = current();
      if (!served) return notBuilt(reply, options.basePath);
      const rest = (req.params as { '*'?: string })['*'] ?? '';
      const own = rest !== '' && rest !== 'index.html' ? served.files.get(`${app}/${rest}`) : undefined;
      // a deep link (/apps/developer/register/activate/…) gets the app's page: its router shows the screen
      const file = own ?? served.files.get(`${app}/index.html`);
      if (!file) return notBuilt(reply, options.basePath);
      const captcha = options.captcha?.() ?? null;
      const policy = captcha ? webAppPolicy(captcha.provider) : defaultPolicy;
      if (own) reply.headers(crossOrigin);
      return send(req, reply, file, 'no-cache', policy);
    };
    fastify.route({ method: methods, url: `/apps/${app}`, handler });
    fastify.route({ method: methods, url: `/apps/${app}/*`, handler });
  }
  // Fusio's admin app was at /apps/fusio: bookmarks and `apps.fusio` links land in Portico's admin app
  const fusioApp = (_req: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(302)
      .headers({ ...securityHeaders, 'cache-control': 'no-cache', location: `${options.basePath}/apps/backend/` })
      .send();
  fastify.route({ method: methods, url: '/apps/fusio', handler: fusioApp });
  fastify.route({ method: methods, url: '/apps/fusio/*', handler: fusioApp });
  fastify.route({
    method: methods,
    url: '/apps/assets/*',
    handler(req, reply) {
      const served = current();
      if (!served) return notBuilt(reply, options.basePath);
      const rest = (req.params as { '*'?: string })['*'] ?? '';
      const file = served.files.get(`assets/${rest}`);
      if (!file) return notFound(reply);
      // file names carry a hash of their content: a changed file is a new URL
      reply.headers(crossOrigin);
      return send(req, reply, file, immutable);
    },
  });
}

type Encoding = 'br' | 'gzip' | 'identity';

/** The best encoding the client accepts among those the file has (RFC 9110 §12.5.3 weights). */
export function chooseEncoding(header: string | undefined, file: Pick<StaticFile, 'br' | 'gzip'>): Encoding {
  if (!header) return 'identity';
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    weights.set(name, q === undefined ? 1 : Number(q));
  }
  const weight = (name: string) => weights.get(name) ?? weights.get('*') ?? 0;
  if (file.br && weight('br') > 0 && weight('br') >= weight('gzip')) return 'br';
  if (file.gzip && weight('gzip') > 0) return 'gzip';
  if (file.br && weight('br') > 0) return 'br';
  return 'identity';
}

function send(
  req: FastifyRequest,
  reply: FastifyReply,
  file: StaticFile,
  cacheControl: string,
  policy = defaultPolicy,
) {
  const encoding = chooseEncoding(req.headers['accept-encoding'], file);
  const body = encoding === 'br' ? file.br! : encoding === 'gzip' ? file.gzip! : file.body;
  const etag = encoding === 'identity' ? file.etag : `${file.etag.slice(0, -1)}-${encoding}"`;
  reply.headers({
    ...securityHeaders,
    'content-security-policy': policy,
    'cache-control': cacheControl,
    etag,
    vary: 'Accept-Encoding',
  });
  if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send();
  reply.header('content-type', file.type).header('content-length', body.length);
  if (encoding !== 'identity') reply.header('content-encoding', encoding);
  return reply.code(200).send(req.method === 'HEAD' ? undefined : body);
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

function notFound(reply: FastifyReply) {
  return reply
    .code(404)
    .headers({ ...securityHeaders, 'cache-control': 'no-cache', 'content-type': 'text/plain; charset=utf-8' })
    .send('Not found\n');
}

const notBuiltPage = (basePath: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portico: the web apps are not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#8882;padding:0 .25rem}</style></head>
<body><main><h1>The web apps are not built</h1>
<p>Portico serves its developer portal and account app from the web build, which this installation does not have yet.</p>
<p>Build it with <code>npm run build:web</code> in Portico's folder (<code>npm start</code> does it for you), then reload this page.</p>
<p>The API itself works: <a href="${basePath.replace(/[^A-Za-z0-9/._~%-]/g, '')}/system/about">/system/about</a> describes it.</p></main></body>
</html>
`;

function notBuilt(reply: FastifyReply, basePath: string) {
  return reply
    .code(503)
    .headers({
      ...securityHeaders,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      'cache-control': 'no-store',
      'retry-after': '60',
      'content-type': 'text/html; charset=utf-8',
    })
    .send(notBuiltPage(basePath));
}
