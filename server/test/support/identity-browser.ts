/**
 * A browser as far as login redirects go: fetch with manual redirects and a cookie jar per host (cookies,
 * like browsers keep them, ignore the port). It completes oidc-provider's development login and consent
 * pages by submitting their forms.
 */
export class TestBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  cookies(host: string): Map<string, string> {
    let cookies = this.jar.get(host);
    if (!cookies) {
      cookies = new Map();
      this.jar.set(host, cookies);
    }
    return cookies;
  }

  async request(url: string | URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = this.cookies(target.hostname);
    const headers: Record<string, string> = { 'user-agent': 'identity-test-browser' };
    if (cookies.size > 0) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: URLSearchParams | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(target, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [k = '', v = ''] = a.trim().split('=');
        if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k.toLowerCase() === 'expires') return Date.parse(a.trim().slice(8)) <= Date.now();
        return false;
      });
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  }

  /**
   * Follows redirects from `start` and, on an oidc-provider interaction page, logs in as `login` and
   * consents (or aborts, with `deny`). Stops at the first redirect whose target `stop` accepts and
   * returns that target; a page that is neither a redirect nor an interaction ends the walk too.
   */
  async navigate(
    start: string | URL,
    options: { stop: (url: URL) => boolean; login?: string; deny?: boolean },
  ): Promise<{ stoppedAt: URL } | { response: Response; url: URL }> {
    let url = new URL(start);
    let form: Record<string, string> | undefined;
    for (let step = 0; step < 20; step++) {
      const res = await this.request(url, { form });
      form = undefined;
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        const next = new URL(location, url);
        if (options.stop(next)) return { stoppedAt: next };
        url = next;
        continue;
      }
      if (res.status === 200 && /\/interaction\/[^/]+$/.test(url.pathname)) {
        const html = await res.text();
        if (options.deny) {
          url = new URL(`${url.pathname}/abort`, url);
        } else if (html.includes('name="prompt" value="login"')) {
          form = { prompt: 'login', login: options.login ?? '', password: 'any' };
        } else {
          form = { prompt: 'consent' };
        }
        continue;
      }
      return { response: res, url };
    }
    throw new Error(`too many redirects from ${String(start)}`);
  }
}

/** The token a login put into the developer portal's callback URL fragment. */
export function fragmentToken(url: URL): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(url.hash.slice(1)));
}
