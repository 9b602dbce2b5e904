import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface AuditEntry {
  userId: number | null;
  appId: number | null;
  refId: number | null;
  event: string;
  ip: string;
  message: string;
  content: unknown;
}

/**
 * The audit row a backend write owes, prepared by the gateway before the handler runs. The change's
 * own transaction writes it (changes/unit.ts), so a change and its audit row commit together or not at
 * all; a write that changed nothing in the system database leaves it to the gateway.
 */
export class PendingAudit {
  private written = false;

  constructor(readonly entry: Omit<AuditEntry, 'refId'>) {}

  get recorded(): boolean {
    return this.written;
  }

  /** The transaction that wrote the row rolled back: a retry of the change writes it again. */
  rolledBack(): void {
    this.written = false;
  }

  /** Writes the row in `db` (the change's transaction), once. */
  async record(db: Kysely<Database>, refId: number | null): Promise<void> {
    if (this.written) return;
    await recordAudit(db, { ...this.entry, refId });
    this.written = true;
  }
}

const secretKey = /pass(word)?|secret|token|credential|private|authorization|api[-_]?key|cookie/i;

/** Copies a request body for the audit log with every credential-looking field masked. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] = secretKey.test(key) && v !== null && v !== '' ? '[redacted]' : redactSecrets(v, depth + 1);
  }
  return out;
}

/** A setting of type secret (7) is a credential whatever its name: its new value is not recorded. */
async function maskSecretSetting(db: Kysely<Database>, entry: AuditEntry): Promise<unknown> {
  const body = entry.content;
  if (entry.event !== 'backend.config.update' || entry.refId === null || !body || typeof body !== 'object') return body;
  const row = await db.selectFrom('config').select('type').where('id', '=', entry.refId).executeTakeFirst();
  return row?.type === 7 ? { ...(body as Record<string, unknown>), value: '[redacted]' } : body;
}

/** Who changed what, when: one row per change made through the backend API. */
export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  const body = await maskSecretSetting(db, entry);
  const content = body === undefined ? null : JSON.stringify(redactSecrets(body));
  await db
    .insertInto('audits')
    .values({
      app_id: entry.appId,
      user_id: entry.userId,
      ref_id: entry.refId,
      event: entry.event.slice(0, 255),
      ip: entry.ip.slice(0, 45),
      message: entry.message.slice(0, 255),
      content: content && content.length > 65000 ? content.slice(0, 65000) : content,
      date: Date.now(),
    })
    .execute();
}
