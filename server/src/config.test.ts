import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('configuration from the environment', () => {
  it('has working defaults: port 8080, SQLite under ./data of where the command ran', () => {
    const config = loadConfig({ INIT_CWD: '/srv/portico' });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBe(`sqlite:${path.resolve('/srv/portico/data/portico.db')}`);
    expect(config.publicUrl).toBe('http://127.0.0.1:8080');
    expect(config.corsOrigins).toBe('*');
  });

  it('treats empty values as unset and trims a trailing slash from PUBLIC_URL', () => {
    const config = loadConfig({ PORT: '', PUBLIC_URL: 'https://api.example.com/' });
    expect(config.port).toBe(8080);
    expect(config.publicUrl).toBe('https://api.example.com');
  });

  it('reports every bad value at once, naming each variable, never echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'oracle://scott:tiger@db/x',
        PORTICO_ADMIN_PASSWORD: 'short',
        MAILER_URL: 'http://mail',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'DATABASE_URL', 'PORTICO_ADMIN_PASSWORD', 'MAILER_URL', 'LOG_LEVEL']) {
      expect(message).toContain(name);
    }
    expect(message).toContain('(got "eighty")');
    expect(message).not.toContain('tiger');
    expect(message).not.toContain('short');
  });

  it('accepts the three database kinds and a list of CORS origins', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).databaseUrl).toBe('postgres://u@h/db');
    expect(loadConfig({ DATABASE_URL: 'mysql://u@h/db' }).databaseUrl).toBe('mysql://u@h/db');
    expect(loadConfig({ CORS_ORIGIN: 'https://a.example, https://b.example' }).corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });
});
