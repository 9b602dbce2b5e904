import { isIP } from 'node:net';

/**
 * IP addresses as bits, for the rule set's trie. Parsing writes into a caller's buffer instead of returning
 * one, so the hot path allocates nothing: four 32-bit words, the first one only for IPv4.
 */

/** Family of what `parseAddress` wrote: 4, 6, or 0 when the text is not an address. */
export type Family = 0 | 4 | 6;

const groups = new Uint16Array(8);

/** Parses an IPv4 or IPv6 address (IPv4-mapped IPv6 counts as IPv4, a zone id is ignored) into `out`. */
export function parseAddress(text: string, out: Uint32Array): Family {
  if (text.indexOf(':') === -1) return parseV4(text, 0, text.length, out) ? 4 : 0;
  if (!parseV6(text, out)) return 0;
  // ::ffff:a.b.c.d is an IPv4 client on a dual-stack socket
  if (out[0] === 0 && out[1] === 0 && out[2] === 0xffff) {
    out[0] = out[3] as number;
    return 4;
  }
  return 6;
}

function parseV4(text: string, start: number, end: number, out: Uint32Array): boolean {
  let value = 0;
  let octet = -1;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (octet < 0 || dots === 3) return false;
      value = value * 256 + octet;
      octet = -1;
      dots++;
    } else if (c >= 48 && c <= 57) {
      octet = octet < 0 ? c - 48 : octet * 10 + (c - 48);
      if (octet > 255) return false;
    } else return false;
  }
  if (octet < 0 || dots !== 3) return false;
  out[0] = value * 256 + octet;
  return true;
}

function parseV6(text: string, out: Uint32Array): boolean {
  let end = text.indexOf('%');
  if (end === -1) end = text.length;
  let i = 0;
  let n = 0;
  let gap = -1;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    if (n === 8) return false;
    const start = i;
    let value = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (digit < 0) break;
      value = value * 16 + digit;
      i++;
    }
    if (i < end && text.charCodeAt(i) === 46) {
      // a dotted IPv4 tail fills the last two groups
      if (n > 6 || !parseV4(text, start, end, out)) return false;
      const v4 = out[0] as number;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (i === start || i - start > 4) return false;
    groups[n++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (text.charCodeAt(i) === 58) {
      if (gap !== -1) return false;
      gap = n;
      i++;
    } else if (i === end) return false;
  }
  if (gap === -1) {
    if (n !== 8) return false;
  } else {
    if (n > 7) return false;
    const tail = n - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[n - 1 - k] as number;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  for (let w = 0; w < 4; w++) out[w] = (((groups[2 * w] as number) << 16) | (groups[2 * w + 1] as number)) >>> 0;
  return true;
}

/** A range as a rule names it: an address, or an address and a prefix length. */
export interface Network {
  readonly family: 4 | 6;
  /** the network address's bits; only the first `prefix` of them matter */
  readonly bits: Uint32Array;
  readonly prefix: number;
  /** the canonical text: lower case, the address alone for a single host */
  readonly text: string;
}

/**
 * Reads a rule's `ip`: an IPv4 or IPv6 address or CIDR range. Returns the reason when it is not one
 * (bits set beyond the prefix are refused: `10.1.2.3/8` is most likely a typo for a host or for `10.0.0.0/8`).
 */
export function parseNetwork(text: string): Network | string {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const given = isIP(address);
  if (given === 0 || address.includes('%')) return `"${text}" is not an IPv4 or IPv6 address or CIDR range`;
  const bits = new Uint32Array(4);
  const family = parseAddress(address, bits);
  if (family === 0) return `"${text}" is not an IPv4 or IPv6 address or CIDR range`;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const suffix = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(suffix)) return `"${text}" has no valid prefix length after the "/"`;
    prefix = Number(suffix);
    // an IPv4-mapped range (::ffff:10.0.0.0/104) is its IPv4 range
    if (given === 6 && family === 4) prefix -= 96;
    if (prefix < 0 || prefix > max) return `"${text}": the prefix length must be 0 to ${given === 4 ? 32 : 128}`;
  }
  for (let k = prefix; k < max; k++) {
    if (bitAt(bits, k) === 1) return `"${text}" has address bits set beyond its /${prefix} prefix`;
  }
  const canonical = family === 4 ? v4Text(bits[0] as number) : v6Text(bits);
  return { family, bits, prefix, text: prefix === max ? canonical : `${canonical}/${prefix}` };
}

export function bitAt(bits: Uint32Array, k: number): number {
  return ((bits[k >>> 5] as number) >>> (31 - (k & 31))) & 1;
}

function v4Text(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

function v6Text(bits: Uint32Array): string {
  const parts: string[] = [];
  for (let w = 0; w < 4; w++) {
    const v = bits[w] as number;
    parts.push((v >>> 16).toString(16), (v & 0xffff).toString(16));
  }
  // the longest run of two or more zero groups becomes "::" (RFC 5952)
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (best === -1) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLength).join(':')}`;
}
