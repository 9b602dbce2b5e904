import type { VersionedMigration } from '../columns.js';

/**
 * A developer's own request logs (`/consumer/log`) are found from the user and from each of their apps,
 * newest first, without reading anyone else's rows: the covering index of the statistics starts with the
 * category and the date, so with ten million rows the list read every row of the last 30 days (seconds).
 * The app index carries user_id so the calls a developer made through their own app are counted once,
 * from the index alone. Two more index entries per logged request; on PostgreSQL and SQLite only for rows
 * that name a user or an app (anonymous calls cost nothing more).
 */
export const migration: VersionedMigration = {
  async up(db, c) {
    const partial = c.dialect !== 'mysql';
    let user = db.schema.createIndex('logs_user_date_idx').on('logs').columns(['user_id', 'category_id', 'date']);
    let app = db.schema
      .createIndex('logs_app_date_idx')
      .on('logs')
      .columns(['app_id', 'category_id', 'date', 'user_id']);
    if (partial) {
      user = user.where('user_id', 'is not', null);
      app = app.where('app_id', 'is not', null);
    }
    await user.execute();
    await app.execute();
  },
};
