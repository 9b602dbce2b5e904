import type { SystemAbout } from 'fusio-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformOperations } from '../src/api/index.js';
import type { SystemDatabase } from '../src/db/database.js';
import { installDefaults } from '../src/runtime/seed.js';
import { sdkError } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { jsonRequest, loggedInDeveloper, setConfig } from './support/portal-helpers.js';

// branding is settings and a document built from them: SQLite is enough here
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');

type About = SystemAbout & { portal: Record<string, unknown> };

const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe.skipIf(!sqlite)('an admin brands the developer portal; clients discover the API at /', () => {
  let h: Harness;
  const about = async () => (await (await h.fetch('/system/about')).json()) as About;

  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('publishes the default branding and the portal links in /system/about', async () => {
    const doc = await about();
    expect(doc.portal).toEqual({
      title: 'Portico',
      logoUrl: '',
      primaryColor: '#1c7ed6',
      footerLinks: [],
      colorScheme: 'auto',
      registration: true,
      captcha: null,
      signup: 'mail',
    });
    expect(doc.links).toEqual(
      expect.arrayContaining([
        { rel: 'portal', href: `${h.baseUrl}/apps/developer/` },
        { rel: 'account', href: `${h.baseUrl}/apps/account/` },
        { rel: 'openapi', href: `${h.baseUrl}/system/openapi` },
      ]),
    );
    // the SDK reads the document it knows and ignores the rest
    expect((await h.anonymous().system().meta().getAbout()).title).toBe('Portico');
  });

  it('shows what the admin sets through /backend/config', async () => {
    const links = [
      { label: 'Status', url: 'https://status.acme.test' },
      { label: 'Write to us', url: 'mailto:api@acme.test' },
    ];
    await setConfig(h, 'portal_title', 'Acme API');
    await setConfig(h, 'portal_logo_url', 'https://cdn.acme.test/logo.svg');
    await setConfig(h, 'portal_primary_color', '#0B7285');
    await setConfig(h, 'portal_footer_links', JSON.stringify(links));
    await setConfig(h, 'portal_dark_mode', 'dark');
    await setConfig(h, 'user_approval', false);
    try {
      expect((await about()).portal).toMatchObject({
        title: 'Acme API',
        logoUrl: 'https://cdn.acme.test/logo.svg',
        primaryColor: '#0b7285',
        footerLinks: links,
        colorScheme: 'dark',
        signup: 'open',
      });
      const listed = await h.admin.backend().config().getAll(0, 100, 'portal_');
      expect(
        listed.entry
          ?.map((c) => c.name)
          .filter((n) => n?.startsWith('portal_'))
          .sort(),
      ).toEqual(['portal_dark_mode', 'portal_footer_links', 'portal_logo_url', 'portal_primary_color', 'portal_title']);
      await setConfig(h, 'portal_title', '');
      await setConfig(h, 'info_title', 'Acme Widgets');
      expect((await about()).portal.title).toBe('Acme Widgets');
    } finally {
      await setConfig(h, 'info_title', 'Portico');
      await setConfig(h, 'portal_title', '');
      await setConfig(h, 'portal_logo_url', '');
      await setConfig(h, 'portal_primary_color', '#1c7ed6');
      await setConfig(h, 'portal_footer_links', '[]');
      await setConfig(h, 'portal_dark_mode', 'auto');
      await setConfig(h, 'user_approval', true);
    }
  });

  it('refuses a branding value that would break the portal, and keeps the old one', async () => {
    const refused: [string, unknown, RegExp][] = [
      ['portal_primary_color', 'blue', /#rrggbb/],
      ['portal_primary_color', '#12345', /#rrggbb/],
      ['portal_primary_color', '#1c7ed6; background: url(x)', /#rrggbb/],
      ['portal_logo_url', 'javascript:alert(1)', /https: or http:/],
      ['portal_logo_url', 'data:image/svg+xml,<svg onload=alert(1)>', /https: or http:/],
      ['portal_logo_url', '/relative/logo.png', /absolute URL/],
      ['portal_logo_url', 'https://user:pw@cdn.acme.test/logo.svg', /credentials/],
      ['portal_footer_links', 'not json', /JSON array/],
      ['portal_footer_links', '{"label":"x","url":"https://x.test"}', /JSON array/],
      ['portal_footer_links', '[{"label":"x","url":"javascript:alert(1)"}]', /entry 1: "url" must start with/],
      ['portal_footer_links', '[{"url":"https://x.test"}]', /entry 1 needs a "label"/],
      ['portal_footer_links', '[{"label":"x","url":"https://x.test","onclick":"y"}]', /only "label" and "url"/],
      ['portal_footer_links', '["https://x.test"]', /entry 1 must be an object/],
      ['portal_footer_links', JSON.stringify(Array(21).fill({ label: 'x', url: 'https://x.test' })), /at most 20/],
      ['portal_dark_mode', 'purple', /auto, light, dark/],
      ['portal_title', 'x'.repeat(101), /at most 100/],
      ['portal_title', 42, /must be a string/],
    ];
    const token = await h.adminToken();
    for (const [name, value, message] of refused) {
      const res = await jsonRequest(h, 'PUT', `/backend/config/~${name}`, token, { value });
      const body = (await res.json()) as { message: string };
      expect([name, String(value).slice(0, 40), res.status]).toEqual([name, String(value).slice(0, 40), 400]);
      expect(body.message).toMatch(message);
    }
    expect((await about()).portal).toMatchObject({
      title: 'Portico',
      logoUrl: '',
      primaryColor: '#1c7ed6',
      footerLinks: [],
      colorScheme: 'auto',
    });
    const developer = await loggedInDeveloper(h, 'brand');
    const res = await jsonRequest(h, 'PUT', '/backend/config/~portal_title', developer.token, { value: 'Mine' });
    expect(res.status).toBe(403);
  });

  it('tells the register form which captcha to show, never its secret', async () => {
    await setConfig(h, 'recaptcha_key', 'site-key-123');
    expect((await about()).portal.captcha).toBeNull();
    await setConfig(h, 'recaptcha_secret', 'very-secret-value');
    try {
      const doc = await about();
      expect(doc.portal.captcha).toEqual({ provider: 'recaptcha', siteKey: 'site-key-123' });
      await setConfig(h, 'recaptcha_verify_url', 'https://api.hcaptcha.com/siteverify');
      expect((await about()).portal.captcha).toEqual({ provider: 'hcaptcha', siteKey: 'site-key-123' });
      await setConfig(h, 'recaptcha_verify_url', 'https://challenges.cloudflare.com/turnstile/v0/siteverify');
      const text = await (await h.fetch('/system/about')).text();
      expect(JSON.parse(text).portal.captcha).toEqual({ provider: 'turnstile', siteKey: 'site-key-123' });
      expect(text).not.toContain('very-secret-value');
      expect(await (await h.fetch('/', { headers: { accept: 'application/json' } })).text()).not.toContain(
        'very-secret',
      );
    } finally {
      await setConfig(h, 'recaptcha_secret', '');
      await setConfig(h, 'recaptcha_key', '');
      await setConfig(h, 'recaptcha_verify_url', 'https://www.google.com/recaptcha/api/siteverify');
    }
  });

  it('sends a browser at / to the portal and gives API clients the discovery document', async () => {
    const browser = await h.fetch('/', { headers: { accept: browserAccept }, redirect: 'manual' });
    expect(browser.status).toBe(302);
    expect(browser.headers.get('location')).toBe('/apps/developer/');
    expect(browser.headers.get('vary')).toMatch(/accept/i);

    const expected = await about();
    for (const accept of [
      undefined,
      '*/*',
      'application/json',
      'text/html;q=0.5, application/json',
      'text/*;q=0.1, */*',
    ]) {
      const res = await h.fetch('/', { headers: accept ? { accept } : {}, redirect: 'manual' });
      expect([accept, res.status]).toEqual([accept, 200]);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('vary')).toMatch(/accept/i);
      expect(await res.json()).toEqual(expected);
    }
    for (const accept of ['text/html', 'text/html, application/json;q=0.9', 'application/json;q=0.1, text/*']) {
      const res = await h.fetch('/', { headers: { accept }, redirect: 'manual' });
      expect([accept, res.status]).toEqual([accept, 302]);
    }
    const head = await h.fetch('/', { method: 'HEAD', headers: { accept: 'application/json' } });
    expect(head.status).toBe(200);
  });

  it('keeps / for the discovery document: an admin cannot put an operation there', async () => {
    await h.admin
      .backend()
      .action()
      .create({
        name: 'root-static',
        class: 'Fusio.Adapter.Util.Action.UtilStaticResponse',
        config: { response: '{}' } as never,
      });
    const refused = await sdkError(
      h.admin
        .backend()
        .operation()
        .create({ name: 'root.get', httpMethod: 'GET', httpPath: '/', action: 'root-static', public: true }),
    );
    expect(refused.message).toMatch(/same HTTP method and path|already answers/);
    expect((await h.fetch('/', { headers: { accept: 'application/json' } })).status).toBe(200);
  });

  it('an installation that had its own operation at / before the upgrade keeps it', async () => {
    const { platform } = h.portico;
    const { db } = platform;
    // what a restart does: bring the defaults and the platform's operations up to date
    const restart = async () => {
      await installDefaults({ db, dialect: platform.dialect } as SystemDatabase, platformOperations);
      await platform.configChanged();
    };
    const answerAtRoot = async () =>
      (await h.fetch('/', { headers: { accept: 'application/json' } })).headers.get('x-operation-id');
    await db.deleteFrom('operations').where('name', '=', 'system.meta.getRoot').execute();
    await db
      .insertInto('operations')
      .values({
        category_id: 1,
        status: 1,
        active: 1,
        public: 1,
        stability: 1,
        description: null,
        http_method: 'GET',
        http_path: '/',
        http_code: 200,
        name: 'legacy.root',
        action: 'root-static',
        parameters: null,
        incoming: null,
        outgoing: null,
        throws: null,
        costs: null,
        metadata: null,
        updated_at: Date.now(),
      })
      .execute();
    try {
      await restart();
      expect(await answerAtRoot()).toBe('legacy.root');
    } finally {
      await db.deleteFrom('operations').where('name', '=', 'legacy.root').execute();
      await restart();
    }
    expect(await answerAtRoot()).toBe('system.meta.getRoot');
  });
});

describe.skipIf(!sqlite)('an installation behind a path prefix', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>, { PUBLIC_URL: 'https://api.acme.test/gateway' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('sends browsers to the portal under the prefix', async () => {
    const res = await h.fetch('/', { headers: { accept: browserAccept }, redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/gateway/apps/developer/');
    const doc = (await (await h.fetch('/system/about')).json()) as About;
    expect(doc.links).toEqual(
      expect.arrayContaining([{ rel: 'portal', href: 'https://api.acme.test/gateway/apps/developer/' }]),
    );
  });
});
