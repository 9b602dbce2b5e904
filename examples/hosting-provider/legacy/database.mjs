// The hosting provider's own database: one `servers` table in its own PostgreSQL schema.
import pg from 'pg';

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

/** A pool on the app's database; every query names `schema.servers`. */
export function openDatabase(url, schema) {
  if (!identifier.test(schema)) throw new Error(`HOSTING_SCHEMA "${schema}" must be a lower-case SQL name`);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => {}); // a dropped idle client is replaced on the next query
  const table = `"${schema}".servers`;
  return {
    pool,
    table,
    async migrate() {
      await pool.query(`create schema if not exists "${schema}"`);
      await pool.query(`create table if not exists ${table} (
        id serial primary key,
        name varchar(64) not null unique,
        plan varchar(32) not null,
        region varchar(32) not null,
        state varchar(16) not null default 'stopped',
        updated_at timestamptz not null default now()
      )`);
      const { rows } = await pool.query(`select count(*)::int as n from ${table}`);
      if (rows[0].n === 0) {
        await pool.query(
          `insert into ${table} (name, plan, region, state) values
           ('web-1', 'S', 'fra1', 'running'), ('web-2', 'M', 'fra1', 'stopped'), ('db-1', 'L', 'ams3', 'running')`,
        );
      }
    },
    async find(id) {
      const { rows } = await pool.query(`select * from ${table} where id = $1`, [id]);
      return rows[0] ?? null;
    },
    async all() {
      return (await pool.query(`select * from ${table} order by id`)).rows;
    },
    /** Sets the state; null when the server does not exist, `false` when it was already in that state. */
    async setState(id, state) {
      const { rows } = await pool.query(
        `update ${table} set state = $2, updated_at = now() where id = $1 and state <> $2 returning *`,
        [id, state],
      );
      if (rows[0]) return rows[0];
      return (await this.find(id)) ? false : null;
    },
    close: () => pool.end(),
  };
}
