import type { Encryption } from '../auth/encryption.js';

/** A plugin type's config schema, as far as secrets go: its properties and their `x-secret` marks. */
type ConfigSchema = { readonly [keyword: string]: unknown };

/** What a stored secret looks like through the API; sending it back means "keep the stored value". */
export const secretMask = '********';

/** Names of the config properties a plugin type (connection, identity provider) marks `"x-secret": true`. */
export function secretFields(schema: ConfigSchema): string[] {
  const properties = (schema.properties ?? {}) as Record<string, ConfigSchema>;
  return Object.entries(properties)
    .filter(([, p]) => p['x-secret'] === true)
    .map(([name]) => name);
}

/** A copy of a config with every set secret field shown as the mask. */
export function maskSecrets(config: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const masked = { ...config };
  for (const field of fields) if (masked[field] !== undefined && masked[field] !== '') masked[field] = secretMask;
  return masked;
}

/** A new config in which a secret sent back masked, or left out, keeps its stored value. */
export function keepStoredSecrets(
  config: Record<string, unknown>,
  fields: readonly string[],
  previous: Record<string, unknown> | null,
): Record<string, unknown> {
  const merged = { ...config };
  if (!previous) return merged;
  for (const field of fields) {
    if (merged[field] === secretMask || merged[field] === undefined) merged[field] = previous[field];
  }
  return merged;
}

/** The plugin types a body's `class` names: connection types or identity providers. */
export interface SecretTypes {
  get(className: string): { config: ConfigSchema } | undefined;
  list(): { config: ConfigSchema }[];
}

/**
 * For the audit log: a body whose `config` holds a plugin's credentials, with every field its class marks
 * `x-secret` masked — by the body's class, or, when an update leaves the class out, by every class.
 */
export function maskConfigSecrets(body: unknown, types: SecretTypes): unknown {
  if (!body || typeof body !== 'object') return body;
  const { class: className, config } = body as { class?: unknown; config?: unknown };
  if (!config || typeof config !== 'object') return body;
  const type = typeof className === 'string' ? types.get(className) : undefined;
  const fields = type ? secretFields(type.config) : types.list().flatMap((t) => secretFields(t.config));
  return { ...(body as Record<string, unknown>), config: maskSecrets(config as Record<string, unknown>, fields) };
}

/** Plugin configs at rest (connections, identity providers): JSON, encrypted with the installation's key. */
export class ConfigBox {
  constructor(private readonly encryption: Encryption) {}

  /** The stored config; throws when it was encrypted with another key. */
  open(stored: string | null): Record<string, unknown> {
    const plain = stored ? this.encryption.decrypt(stored) : '{}';
    return JSON.parse(plain) as Record<string, unknown>;
  }

  /** The stored config, or null when it cannot be read (encrypted with another key). */
  tryOpen(stored: string | null): Record<string, unknown> | null {
    try {
      return this.open(stored);
    } catch {
      return null;
    }
  }

  seal(config: Record<string, unknown>): string {
    return this.encryption.encrypt(JSON.stringify(config));
  }
}
