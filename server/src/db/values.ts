/** A JSON text column as a value; undefined when empty or not JSON. */
export function parseJsonColumn<T>(text: string | null | undefined): T | undefined {
  if (text === null || text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** An epoch-milliseconds column as the API shows times: ISO 8601. */
export function isoDate(millis: number | null | undefined): string | undefined {
  return millis === null || millis === undefined ? undefined : new Date(millis).toISOString();
}
