import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deleteUnusedRetiredKeys, KeyStatus, rotateSigningKeys } from '../src/auth/keys.js';
import { buildCli } from '../src/cli.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';
import { postForm, startSecondNode, statusWithToken } from './support/oauth-fixtures.js';

const postgres = (await systemDatabases()).find((d) => d.kind === 'postgres');

/** Polls until the node refuses the token; returns how long that took (ms). */
async function millisUntilRefused(node: Harness, token: string, limitMs = 5000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if ((await statusWithToken(node, '/authorization/whoami', token)) === 401) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Number.POSITIVE_INFINITY;
}

describe.skipIf(!postgres)('two Portico nodes on one PostgreSQL share revocations and signing keys', () => {
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    a = await startHarness(postgres as NonNullable<typeof postgres>);
    b = await startSecondNode(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('refuses a token on every node within a second of its revocation on one of them', async () => {
    const token = await a.adminToken();
    // node B has verified (and cached) the token before it is revoked
    expect(await statusWithToken(b, '/authorization/whoami', token)).toBe(200);
    const revoked = await a.fetch('/authorization/revoke', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(revoked.status).toBe(200);
    expect(await statusWithToken(a, '/authorization/whoami', token)).toBe(401);
    const elapsed = await millisUntilRefused(b, token);
    expect(elapsed).toBeLessThan(1500);

    // the other way round, with a whole family revoked through a replayed refresh token on node B
    const login = await postForm(
      a,
      '/authorization/token',
      { grant_type: 'client_credentials' },
      {
        id: 'admin',
        secret: 'correct-horse-battery',
      },
    );
    const rotated = await postForm(b, '/authorization/token', {
      grant_type: 'refresh_token',
      refresh_token: login.body.refresh_token as string,
    });
    const current = rotated.body.access_token as string;
    expect(await statusWithToken(a, '/authorization/whoami', current)).toBe(200);
    const replay = await postForm(b, '/authorization/token', {
      grant_type: 'refresh_token',
      refresh_token: login.body.refresh_token as string,
    });
    expect(replay.body.error).toBe('invalid_grant');
    expect(await millisUntilRefused(a, current)).toBeLessThan(1500);
  });

  it('verifies tokens signed with a key rotated on another node, and keeps retired keys until nothing needs them', async () => {
    const db = a.portico.platform.db;
    const before = await a.adminToken();
    const oldKid = decodeProtectedHeader(before).kid as string;

    const rotation = await rotateSigningKeys(db);
    expect(rotation.retired).toContain(oldKid);
    await a.portico.platform.keys.reload();
    const after = await a.adminToken();
    expect(decodeProtectedHeader(after).kid).toBe(rotation.kid);

    // B has never seen the new kid: it reloads its keys once and accepts the token
    expect(b.portico.platform.keys.kids()).not.toContain(rotation.kid);
    expect(await statusWithToken(b, '/authorization/whoami', after)).toBe(200);
    expect(b.portico.platform.keys.kids()).toContain(rotation.kid);
    // tokens signed before the rotation still work everywhere
    expect(await statusWithToken(a, '/authorization/whoami', before)).toBe(200);
    expect(await statusWithToken(b, '/authorization/whoami', before)).toBe(200);
    const published = (await (await b.fetch('/authorization/jwks')).json()) as { keys: { kid: string }[] };
    expect(published.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, rotation.kid]));

    // a retired key stays while an unexpired token needs it, even long after the rotation
    const muchLater = Date.now() + 3 * 3600_000;
    expect(await deleteUnusedRetiredKeys(db, muchLater)).toEqual([]);
    // once the last token signed with it is gone, the retired key is deleted and no node accepts it
    const admin = await db.selectFrom('users').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow();
    await a.portico.platform.tokens.revokeWhere({ userId: admin.id });
    expect(await deleteUnusedRetiredKeys(db, muchLater)).toEqual([oldKid]);
    await b.portico.platform.keys.reload();
    expect(b.portico.platform.keys.kids()).not.toContain(oldKid);
    expect(b.portico.platform.keys.kids()).toContain(rotation.kid);
  });

  it('rotates from the command line; running nodes switch to the new key when they refresh their keys', async () => {
    vi.stubEnv('DATABASE_URL', a.databaseUrl);
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await buildCli().parseAsync(['node', 'portico', 'keys', 'rotate']);
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
    }
    const newKid = /New signing key: (\S+)/.exec(written.join(''))?.[1];
    expect(newKid).toBeTruthy();
    const active = await a.portico.platform.db
      .selectFrom('signing_keys')
      .select('kid')
      .where('status', '=', KeyStatus.active)
      .execute();
    expect(active.map((k) => k.kid)).toEqual([newKid]);

    expect(await b.portico.platform.keys.refresh()).toBe(true);
    const token = await b.adminToken();
    expect(decodeProtectedHeader(token).kid).toBe(newKid);
    expect(await statusWithToken(a, '/authorization/whoami', token)).toBe(200);
  });
});
