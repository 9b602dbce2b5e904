/**
 * Where Portico is, seen from the page: the same origin, under the path of PUBLIC_URL that Portico
 * writes into the entry page (`<meta name="portico-base">`). Empty at the root and in `vite dev`.
 */
export function basePath(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="portico-base"]');
  return (meta?.content ?? '').replace(/\/+$/, '');
}

/** The API's base URL, for fusio-sdk and for plain fetch calls. */
export function apiBaseUrl(): string {
  return `${window.location.origin}${basePath()}`;
}

/** The router's basename for an app served at /apps/<name>/. */
export function appBasename(app: 'developer' | 'account'): string {
  return `${basePath()}/apps/${app}`;
}
