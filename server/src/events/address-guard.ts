import dns from 'node:dns';
import net from 'node:net';
import { badRequest } from '../errors.js';

/**
 * Webhook endpoints are URLs that anyone with a developer account can enter, so they must not reach
 * the inside of the network Portico runs in (SSRF): private, loopback, link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT, multicast, reserved and documentation ranges are refused unless
 * the administrator allows private targets (setting `webhook_allow_private`).
 */
const blocked = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  // local-use NAT64 (RFC 8215): where it leads is the operator's choice, so nowhere
  ['64:ff9b:1::', 48],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/**
 * The IPv4 address an IPv6 address carries and routes to: IPv4-mapped (::ffff:0:0/96), IPv4-compatible
 * (::/96, deprecated but still understood by some stacks), IPv4-translated (::ffff:0:0:0/96), NAT64
 * (64:ff9b::/96) and 6to4 (2002::/16). Each is judged by the IPv4 rules.
 */
function embeddedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address);
  if (!groups) return undefined;
  const zero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  const tail = () => ipv4Of(groups[6] as number, groups[7] as number);
  if (zero(0, 5) && groups[5] === 0xffff) return tail();
  if (zero(0, 6)) return tail();
  if (zero(0, 4) && groups[4] === 0xffff && groups[5] === 0) return tail();
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zero(2, 6)) return tail();
  if (groups[0] === 0x2002) return ipv4Of(groups[1] as number, groups[2] as number);
  return undefined;
}

function ipv4Of(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function expandIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  // a dotted IPv4 tail (::ffff:1.2.3.4) as two groups
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a, b, c, d] = dotted[1].split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined && missing !== 0) return undefined;
  const groups = [...left, ...Array(Math.max(missing, 0)).fill('0'), ...right].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g)) ? groups : undefined;
}

/** True for an address on the public internet; false for anything inside or special. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  // BlockList also matches IPv4-mapped addresses (::ffff:10.0.0.1) against the IPv4 rules
  if (blocked.check(address, 'ipv6')) return false;
  const inner = embeddedIpv4(address);
  return inner === undefined || !blocked.check(inner, 'ipv4');
}

export class BlockedAddressError extends Error {
  readonly code = 'EWEBHOOKBLOCKED';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(
      host === address
        ? `${address} is a private, loopback, link-local or reserved address`
        : `${host} resolves to ${address}, a private, loopback, link-local or reserved address`,
    );
    this.name = 'BlockedAddressError';
  }
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Checks an endpoint someone wants to register: an http(s) URL whose host — every address it resolves
 * to — is public, unless private targets are allowed. Throws a 400 that says what is wrong.
 */
export async function assertWebhookEndpoint(endpoint: unknown, allowPrivate: boolean): Promise<string> {
  if (typeof endpoint !== 'string' || endpoint.trim() === '') {
    throw badRequest('Webhook endpoint must contain a value');
  }
  const text = endpoint.trim();
  if (text.length > 1024) throw badRequest('Webhook endpoint must have at most 1024 characters');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badRequest('Webhook endpoint must be a valid url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badRequest('Webhook endpoint must be an http or https url');
  }
  if (url.hostname === '') throw badRequest('Webhook endpoint must be a valid url');
  if (allowPrivate) return text;
  const host = hostOf(url);
  const addresses = net.isIP(host) ? [host] : await resolveAll(host);
  const inside = addresses.find((a) => !isPublicAddress(a));
  if (inside !== undefined) {
    throw badRequest(
      `Webhook endpoint must not point to a private, loopback, link-local or metadata address (${
        inside === host ? host : `${host} resolves to ${inside}`
      }); an administrator can allow such targets with the setting webhook_allow_private`,
    );
  }
  return text;
}

async function resolveAll(host: string): Promise<string[]> {
  try {
    const found = await dns.promises.lookup(host, { all: true, verbatim: true });
    if (found.length === 0) throw new Error('no address');
    return found.map((a) => a.address);
  } catch {
    throw badRequest(`Webhook endpoint host ${host} could not be resolved`);
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for the sockets that deliver webhooks: resolves like the system does, then refuses to
 * connect when any address is not public. Checking what is actually connected to (not what the name
 * resolved to when the webhook was saved) defeats DNS rebinding.
 */
export function guardedLookup(allowPrivate: () => boolean) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, []);
        return;
      }
      const list = addresses as dns.LookupAddress[];
      if (!allowPrivate()) {
        const inside = list.find((a) => !isPublicAddress(a.address));
        if (inside) {
          callback(new BlockedAddressError(hostname, inside.address) as NodeJS.ErrnoException, []);
          return;
        }
      }
      if (options.all) callback(null, list);
      else {
        const first = list[0];
        if (!first) callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
        else callback(null, first.address, first.family);
      }
    });
  };
}

/** For IP literals, which sockets connect to without a lookup. */
export function assertLiteralAllowed(url: URL, allowPrivate: boolean): void {
  const host = hostOf(url);
  if (!allowPrivate && net.isIP(host) && !isPublicAddress(host)) throw new BlockedAddressError(host, host);
}
