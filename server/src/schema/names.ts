/** How operations name the schema of a body: `schema://Name`, `Name`, or a passthrough (`Passthru`, `mime://…`). */
export function isPassthrough(incoming: string | null | undefined): boolean {
  return !incoming || incoming === 'Passthru' || incoming === 'schema://Passthru' || incoming.startsWith('mime://');
}

export function schemaNameOf(incoming: string): string {
  return incoming.startsWith('schema://') ? incoming.slice('schema://'.length) : incoming;
}
