/** How operations name the schema of a body: `schema://Name`, `Name`, or a passthrough (`Passthru`, `mime://…`). */
export function isPassthrough(incoming: string | null | undefined): boolean {
  return !incoming || incoming === 'Passthru' || incoming === 'schema://Passthru' || incoming.startsWith('mime://');
}

/** The schema a reference names: `schema://Name@hash` (pinned to a commit), `schema://Name` or `Name` → `Name`. */
export function schemaNameOf(incoming: string): string {
  return withoutPin(incoming.startsWith('schema://') ? incoming.slice('schema://'.length) : incoming);
}

/**
 * The commit a reference is pinned to (`action://name@hash`, `schema://Name@hash`: a stable operation's
 * action and schemas, Fusio's form), or null for a reference that follows the current version.
 */
export function pinOf(reference: string | null | undefined): string | null {
  if (!reference) return null;
  const at = reference.lastIndexOf('@');
  return at > 0 && /^[0-9a-f]{40,64}$/.test(reference.slice(at + 1)) ? reference.slice(at + 1) : null;
}

/** A reference with its pin (`@hash`) taken off. */
export function withoutPin(reference: string): string {
  return pinOf(reference) === null ? reference : reference.slice(0, reference.lastIndexOf('@'));
}
