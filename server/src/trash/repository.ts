import type { Generated, Kysely, Selectable } from 'kysely';
import type { Unit } from '../changes/unit.js';
import type { DialectName } from '../db/database.js';
import { insertWithId } from '../db/insert.js';
import { type Collection, collection, containsIgnoreCase, type Paging } from '../db/listing.js';
import type { Database } from '../db/schema.js';
import { notFound } from '../errors.js';

/** A deleted entity's last view (migration 2026-12-04d-trash). */
export interface TrashTable {
  id: Generated<number>;
  /** the backend entity: `operation`, `schema`, … */
  type: string;
  /** the id it had; a restore gives it a new one */
  entity_id: number;
  name: string;
  /** JSON of the view the backend answered for it (GET by id) */
  data: string;
  deleted_at: number;
}

declare module '../db/schema.js' {
  interface Database {
    trash: TrashTable;
  }
}

export type TrashRow = Selectable<TrashTable>;

/**
 * The entities whose deletion keeps a copy: the configuration an administrator builds, whose view holds
 * everything its create needs. Connections and identity providers are left out (their credentials are
 * masked in the view and must not lie in the trash in clear); apps and users are people's data.
 */
export const trashTypes = [
  'action',
  'cronjob',
  'event',
  'operation',
  'page',
  'plan',
  'rate',
  'role',
  'schema',
  'scope',
  'trigger',
] as const;

export type TrashType = (typeof trashTypes)[number];

export function isTrashType(type: string): type is TrashType {
  return (trashTypes as readonly string[]).includes(type);
}

/** Deleted copies keep this long; older ones go when something new is thrown away. */
const keepMs = 90 * 24 * 60 * 60 * 1000;

export class TrashRepository {
  constructor(private readonly dialect: DialectName) {}

  /** Keeps the view of an entity deleted in this unit. */
  async put(unit: Unit, type: TrashType, entityId: number, name: string, view: unknown): Promise<void> {
    const now = Date.now();
    await unit.db
      .deleteFrom('trash')
      .where('deleted_at', '<', now - keepMs)
      .execute();
    await insertWithId(
      unit.db.insertInto('trash').values({
        type,
        entity_id: entityId,
        name: name.slice(0, 255),
        data: JSON.stringify(view),
        deleted_at: now,
      }),
      this.dialect,
    );
  }

  async page<T>(
    db: Kysely<Database>,
    type: TrashType,
    paging: Paging,
    map: (row: TrashRow) => T,
  ): Promise<Collection<T>> {
    let base = db.selectFrom('trash').where('type', '=', type);
    if (paging.search) base = base.where(containsIgnoreCase('name', paging.search));
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base.selectAll().orderBy('id', 'desc').limit(paging.count).offset(paging.startIndex).execute();
    return collection(Number(total.n), paging, rows.map(map));
  }

  /** The latest deleted copy of entity `entityId` of a type, or a 404. */
  async find(db: Kysely<Database>, type: TrashType, entityId: number): Promise<TrashRow> {
    const row = await db
      .selectFrom('trash')
      .selectAll()
      .where('type', '=', type)
      .where('entity_id', '=', entityId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (!row) throw notFound(`Could not find a deleted ${type} with id ${entityId}`);
    return row;
  }

  async remove(unit: Unit, id: number): Promise<void> {
    await unit.db.deleteFrom('trash').where('id', '=', id).execute();
  }
}
