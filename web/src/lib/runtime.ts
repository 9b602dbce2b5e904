/**
 * Where Portico is, seen from the page: the same origin, under the path of PUBLIC_URL that Portico
 * writes into the entry page (`<meta name="portico-base">`). Empty at the root and in `vite dev`.
 */
let embeddedBase: string | null = null;

/** An app embedded into another site's page talks to the Portico it was loaded from. */
export function setEmbeddedBase(url: string): void {
  embeddedBase = url.replace(/\/+$/, '');
}

export function basePath(): string {
  if (embeddedBase !== null) return new URL(embeddedBase).pathname.replace(/\/+$/, '');
  const meta = document.querySelector<HTMLMetaElement>('meta[name="portico-base"]');
  return (meta?.content ?? '').replace(/\/+$/, '');
}

/** The API's base URL, for fusio-sdk and for plain fetch calls. */
export function apiBaseUrl(): string {
  if (embeddedBase !== null) return embeddedBase;
  return `${window.location.origin}${basePath()}`;
}

/** The apps Portico serves at /apps/<name>/. */
export type WebAppName = 'developer' | 'account' | 'backend';

/** The router's basename for an app served at /apps/<name>/. */
export function appBasename(app: WebAppName): string {
  return `${basePath()}/apps/${app}`;
}

/** The absolute URL of a page of an app Portico serves (for links that leave an embedded app). */
export function appUrl(app: WebAppName, path = '/'): string {
  return `${embeddedBase ?? `${window.location.origin}${basePath()}`}/apps/${app}${path}`;
}
