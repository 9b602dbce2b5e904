import { describe, expect, it } from 'vitest';
import { optionsFromFields, optionsFromUrl } from './sql.js';

describe('SQL connection configs', () => {
  it('reads every supported URL form', () => {
    expect(optionsFromUrl('postgresql://u:p%40ss@db:5433/app')).toEqual({
      dialect: 'postgres',
      connectionString: 'postgres://u:p%40ss@db:5433/app',
    });
    expect(optionsFromUrl('mariadb://root:secret@127.0.0.1:3307/shop')).toEqual({
      dialect: 'mysql',
      host: '127.0.0.1',
      port: 3307,
      user: 'root',
      password: 'secret',
      database: 'shop',
    });
    expect(optionsFromUrl('pdo-mysql://u@h/db')).toMatchObject({ dialect: 'mysql', host: 'h', database: 'db' });
    expect(optionsFromUrl('sqlite:/var/data/app.db')).toEqual({ dialect: 'sqlite', file: '/var/data/app.db' });
    expect(optionsFromUrl('sqlite:///var/data/app.db')).toEqual({ dialect: 'sqlite', file: '/var/data/app.db' });
  });

  it('never repeats the URL (it holds the password) in an error', () => {
    for (const url of ['oracle://u:topsecret@h/db', 'postgres://u:topsecret@[bad', 'sqlite:']) {
      expect(() => optionsFromUrl(url)).toThrow();
      try {
        optionsFromUrl(url);
      } catch (error) {
        expect((error as Error).message).not.toContain('topsecret');
      }
    }
  });

  it('maps Fusio’s driver names', () => {
    expect(optionsFromFields({ type: 'pdo_sqlite', database: '/tmp/x.db' })).toEqual({
      dialect: 'sqlite',
      file: '/tmp/x.db',
    });
    expect(
      optionsFromFields({ type: 'pdo_pgsql', host: 'h', port: '6432', username: 'u', password: 'p', database: 'd' }),
    ).toEqual({ dialect: 'postgres', host: 'h', port: 6432, user: 'u', password: 'p', database: 'd' });
    expect(optionsFromFields({ type: 'pdo_mysql', host: 'h', database: 'd' })).toMatchObject({
      dialect: 'mysql',
      port: undefined,
    });
  });
});
