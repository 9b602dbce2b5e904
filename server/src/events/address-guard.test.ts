import { describe, expect, it } from 'vitest';
import { PorticoError } from '../errors.js';
import { assertWebhookEndpoint, guardedLookup, isPublicAddress } from './address-guard.js';

describe('which addresses a webhook may reach', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '198.18.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a9fe:a9fe',
    '2002:0a00:0001::1',
    '2001:db8::1',
    // every IPv6 form of an IPv4 address inside
    '::127.0.0.1',
    '::7f00:1',
    '::ffff:0:127.0.0.1',
    '::ffff:0:7f00:1',
    '::ffff:0:a9fe:a9fe',
    '::10.0.0.1',
    '::ffff:192.168.0.1',
    '64:ff9b::127.0.0.1',
    '64:ff9b:1::808:808',
    '2002:7f00:1::',
    '2002:a9fe:a9fe::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    'allows %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});

describe('registering a webhook endpoint', () => {
  const refused = async (endpoint: string) => {
    try {
      await assertWebhookEndpoint(endpoint, false);
    } catch (error) {
      expect(error).toBeInstanceOf(PorticoError);
      expect((error as PorticoError).status).toBe(400);
      return (error as PorticoError).message;
    }
    throw new Error(`${endpoint} was accepted`);
  };

  it('refuses private, loopback, link-local and metadata targets, also behind a name', async () => {
    expect(await refused('http://127.0.0.1:8080/hook')).toMatch(/private, loopback, link-local or metadata/);
    expect(await refused('http://169.254.169.254/latest/meta-data/')).toMatch(/169\.254\.169\.254/);
    expect(await refused('http://[::1]:9000/')).toMatch(/::1/);
    for (const host of ['[::127.0.0.1]', '[::ffff:0:127.0.0.1]', '[::ffff:127.0.0.1]', '[64:ff9b::a9fe:a9fe]']) {
      expect(await refused(`http://${host}:8080/hook`)).toMatch(/private, loopback, link-local or metadata/);
    }
    expect(await refused('http://10.0.0.7/')).toMatch(/webhook_allow_private/);
    expect(await refused('http://localhost:3000/')).toMatch(/localhost resolves to/);
  });

  it('refuses what is not an http(s) url', async () => {
    expect(await refused('')).toBe('Webhook endpoint must contain a value');
    expect(await refused('not a url')).toBe('Webhook endpoint must be a valid url');
    expect(await refused('ftp://93.184.215.14/')).toBe('Webhook endpoint must be an http or https url');
    expect(await refused('file:///etc/passwd')).toBe('Webhook endpoint must be an http or https url');
    expect(await refused('http://no-such-host.invalid/')).toMatch(/could not be resolved/);
  });

  it('accepts public addresses, and anything when private targets are allowed', async () => {
    await expect(assertWebhookEndpoint('https://93.184.215.14/hooks', false)).resolves.toBe(
      'https://93.184.215.14/hooks',
    );
    await expect(assertWebhookEndpoint(' http://127.0.0.1:8080/hook ', true)).resolves.toBe(
      'http://127.0.0.1:8080/hook',
    );
  });
});

describe('the lookup delivery sockets use', () => {
  const lookup = (hostname: string, allow: boolean, all = false) =>
    new Promise<{ error: Error | null; address: unknown }>((resolve) => {
      guardedLookup(() => allow)(hostname, { all }, (error, address) => resolve({ error, address }));
    });

  it('refuses a name that resolves inside, at connect time', async () => {
    const { error } = await lookup('localhost', false);
    expect(error?.message).toMatch(/localhost resolves to .*private, loopback/);
  });

  it('resolves normally when private targets are allowed, in both callback forms', async () => {
    const single = await lookup('localhost', true);
    expect(single.error).toBeNull();
    expect(typeof single.address).toBe('string');
    const all = await lookup('localhost', true, true);
    expect(Array.isArray(all.address)).toBe(true);
  });
});
