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

  it('reads the log format, the access log and the trusted login networks', () => {
    expect(loadConfig({})).toMatchObject({ logFormat: 'auto', logRequests: false, loginTrustedNetworks: [] });
    expect(
      loadConfig({ LOG_FORMAT: 'Pretty', LOG_REQUESTS: 'yes', LOGIN_TRUSTED_NETWORKS: '10.0.0.0/8, ::1' }),
    ).toMatchObject({ logFormat: 'pretty', logRequests: true, loginTrustedNetworks: ['10.0.0.0/8', '::1'] });
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT: must be json, pretty or auto/);
    expect(() => loadConfig({ LOGIN_TRUSTED_NETWORKS: '10.0.0.0/40' })).toThrow(/LOGIN_TRUSTED_NETWORKS/);
    expect(() => loadConfig({ METRICS_PUBLIC: 'perhaps' })).toThrow(/METRICS_PUBLIC/);
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

describe('workers, shutdown and tracing settings', () => {
  it('runs one process unless told otherwise; auto means one per core', async () => {
    const os = await import('node:os');
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ WORKERS: 'auto' }).workers).toBe(os.availableParallelism());
    expect(() => loadConfig({ WORKERS: '0' })).toThrow(/WORKERS: must be a number of processes/);
    expect(() => loadConfig({ WORKERS: '2', DATABASE_URL: 'sqlite::memory:' })).toThrow(/shared system database/);
  });

  it('reads the grace period in seconds', () => {
    expect(loadConfig({}).shutdownGraceMs).toBe(25_000);
    expect(loadConfig({ SHUTDOWN_GRACE_PERIOD: '0.5' }).shutdownGraceMs).toBe(500);
    expect(() => loadConfig({ SHUTDOWN_GRACE_PERIOD: '-1' })).toThrow(/SHUTDOWN_GRACE_PERIOD/);
  });

  it('traces only with an OTLP endpoint, taken as the standard variables define it', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      endpoint: 'http://collector:4318/v1/traces',
      serviceName: 'portico',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      scheduleDelayMs: 5000,
    });
    const specific = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/custom',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }).tracing;
    expect(specific).toMatchObject({ endpoint: 'https://traces.example.com/custom', samplerRatio: 0.25 });
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER/);
  });
});
