// The legacy web app of a server hosting provider, as such apps are written: server-rendered HTML, a
// form that posts application/x-www-form-urlencoded, and an internal JSON endpoint for the ops team.
import http from 'node:http';
import { notifier } from './notify.mjs';

const htmlEscape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function page(title, body, status = 200) {
  return {
    status,
    type: 'text/html; charset=utf-8',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${htmlEscape(title)} – HostCo panel</title></head><body><h1>${htmlEscape(title)}</h1>${body}</body></html>`,
  };
}

function readBody(req, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) reject(Object.assign(new Error('too large'), { status: 413 }));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts the panel on `port` (0: any free port); resolves to its URL and a close function. */
export async function startLegacyApp({ db, port = 8081, host = '127.0.0.1', callbackUrl, secret, log = console }) {
  const notify = notifier({ callbackUrl, secret, log });

  async function route(req) {
    const url = new URL(req.url, 'http://panel');
    // the internal endpoint the ops team's scripts use
    if (req.method === 'GET' && url.pathname === '/internal/servers') {
      return { status: 200, type: 'application/json', body: JSON.stringify(await db.all()) };
    }
    const match = /^\/servers\/(\d+)\/start$/.exec(url.pathname);
    if (!match) return page('Not found', '<p class="flash error">No such page.</p>', 404);
    const server = await db.find(Number(match[1]));
    if (!server) return page('Not found', '<p class="flash error">No such server.</p>', 404);
    if (req.method === 'GET') {
      return page(
        `Start ${server.name}`,
        `<form method="post" action="/servers/${server.id}/start">
           <label>Reason <input name="reason" maxlength="200"></label>
           <input type="hidden" name="confirm" value="yes">
           <button>Start server</button>
         </form>`,
      );
    }
    if (req.method !== 'POST') return page('Method not allowed', '', 405);
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return page('Unsupported', '<p class="flash error">Send the form.</p>', 415);
    }
    const form = new URLSearchParams(await readBody(req));
    if (form.get('confirm') !== 'yes') {
      return page(`Start ${server.name}`, '<p class="flash error">Please confirm the start.</p>', 422);
    }
    const changed = await db.setState(server.id, 'running');
    if (changed === false) {
      return page(
        `Start ${server.name}`,
        `<p class="flash error" data-state="running">Server ${htmlEscape(server.name)} is already running.</p>`,
        409,
      );
    }
    log.info?.(`server ${server.name} started (${form.get('reason') || 'no reason given'})`);
    await notify(changed, form.get('requested_by'));
    return page(
      `Start ${server.name}`,
      `<p class="flash" data-id="${changed.id}" data-state="${changed.state}">Server ${htmlEscape(changed.name)} is ${changed.state}.</p>`,
    );
  }

  const server = http.createServer((req, res) => {
    route(req)
      .catch((error) => {
        log.error(`panel: ${error.stack ?? error}`);
        return page('Error', '<p class="flash error">Something went wrong.</p>', error.status ?? 500);
      })
      .then(({ status, type, body }) => {
        res.writeHead(status, { 'content-type': type, 'x-powered-by': 'HostCo panel 2.3' });
        res.end(body);
      });
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
