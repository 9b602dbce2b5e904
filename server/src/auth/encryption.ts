import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeFolder } from '../folders.js';

const prefix = 'enc:v1:';

/**
 * Encrypts values at rest (connection credentials) with AES-256-GCM. The key comes from
 * PORTICO_SECRET_KEY; without it, a key is generated once into the data folder — fine for one node,
 * but every node of a cluster needs the same PORTICO_SECRET_KEY.
 */
export class Encryption {
  private constructor(private readonly key: Buffer) {}

  static fromSecret(secret: string): Encryption {
    // any string works as a secret; hashing gives the 32 bytes AES-256 needs
    return new Encryption(createHash('sha256').update(secret).digest());
  }

  static fromKeyFile(dataDir: string): Encryption {
    const file = path.join(dataDir, 'secret.key');
    if (!fs.existsSync(file)) {
      makeFolder(dataDir);
      fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    return Encryption.fromSecret(fs.readFileSync(file, 'utf8').trim());
  }

  /** A signature of `text` (HMAC-SHA256 under a key derived from this one), base64url. */
  sign(text: string): string {
    const key = createHash('sha256').update('portico-signing:').update(this.key).digest();
    return createHmac('sha256', key).update(text).digest('base64url');
  }

  verify(text: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(text));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${prefix}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
  }

  /** Plain (legacy or hand-written) values pass through; a value encrypted with another key throws. */
  decrypt(stored: string): string {
    if (!stored.startsWith(prefix)) return stored;
    const [iv, tag, data] = stored.slice(prefix.length).split(':') as [string, string, string];
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  }
}
