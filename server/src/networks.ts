import { BlockList, isIP } from 'node:net';

/** `LOGIN_TRUSTED_NETWORKS`: addresses (office, VPN, bastion) an administrator can always log in from. */
export class TrustedNetworks {
  private readonly list = new BlockList();
  private readonly empty: boolean;

  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [address, bits] = cidr.split('/') as [string, string | undefined];
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, Number(bits), family);
    }
    this.empty = cidrs.length === 0;
  }

  contains(ip: string): boolean {
    if (this.empty) return false;
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
    const address = v4 ?? ip;
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** Checks a `LOGIN_TRUSTED_NETWORKS` entry: an address or CIDR. */
export function isNetwork(cidr: string): boolean {
  const [address, bits, ...rest] = cidr.split('/');
  if (rest.length > 0 || address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n >= 0 && n <= (family === 6 ? 128 : 32);
}
