/** The connection classes whose database can be browsed and generated from (server: connections/sql.ts). */
export const sqlConnectionClasses = ['Fusio.Adapter.Sql.Connection.Sql', 'Fusio.Adapter.Sql.Connection.SqlAdvanced'];

export function isSqlConnection(className: string | undefined): boolean {
  return sqlConnectionClasses.includes(className ?? '');
}
