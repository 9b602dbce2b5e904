/** A date-time of the API (ISO 8601) as the browser's local time, to the second. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { hour12: false });
}

/** JSON pretty-printed when the text is JSON, else the text as it is. */
export function prettyBody(text: string | null | undefined): string {
  if (!text) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The colour of an HTTP status. */
export function statusColor(status: number | undefined): string {
  if (status === undefined) return 'gray';
  if (status >= 500) return 'red';
  if (status === 429) return 'grape';
  if (status >= 400) return 'orange';
  if (status >= 300) return 'blue';
  return 'teal';
}

/** `datetime-local` input value (local time) ↔ ISO 8601 for the API. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function isoToLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
