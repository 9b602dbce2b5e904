import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { PorticoError } from '../errors.js';

/**
 * Password hashing with scrypt (memory-hard; in Node's standard library). The hash carries its own
 * parameters, so they can be raised later without breaking stored hashes.
 * Format: `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt b64>$<hash b64>`.
 */
const defaults = { ln: 15, r: 8, p: 1, keyLength: 32 };

/**
 * scrypt runs on libuv's thread pool, which token verification (WebCrypto), file reads and DNS lookups
 * share: a flood of logins must not fill it. At most half the pool hashes at a time; a bounded queue
 * waits for a slot, and beyond it logins are refused with 503 rather than queued for ever.
 */
export class HashQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) {
        throw new PorticoError('SERVICE_UNAVAILABLE', 'Too many logins at once, please try again in a moment', {
          'Retry-After': '1',
        });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running += 1;
    try {
      return await work();
    } finally {
      // hand the slot straight to the next in line, or give it back
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

const threadPool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
export const hashQueue = new HashQueue(Math.max(1, Math.floor(threadPool / 2)), 512);

function derive(password: string, salt: Buffer, ln: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  const N = 2 ** ln;
  return hashQueue.run(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password.normalize('NFKC'), salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
          err ? reject(err) : resolve(key),
        );
      }),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { ln, r, p, keyLength } = defaults;
  const key = await derive(password, salt, ln, r, p, keyLength);
  return `$scrypt$ln=${ln},r=${r},p=${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Constant-time check; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  if (!stored) {
    // still spend the time, so a missing account cannot be told apart by timing
    await derive(password, randomBytes(16), defaults.ln, defaults.r, defaults.p, defaults.keyLength);
    return false;
  }
  const match = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!match) return false;
  const [, ln, r, p, salt, hash] = match as unknown as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(ln), Number(r), Number(p), expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
