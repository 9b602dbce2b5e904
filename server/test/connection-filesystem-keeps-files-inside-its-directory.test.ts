import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidV3 } from '../src/connections/filesystem.js';
import { sdkError } from './support/consumer-helpers.js';
import { systemDatabases } from './support/databases.js';
import { type Harness, startHarness } from './support/harness.js';

// files live on disk, not in the system database: SQLite is enough here
const sqlite = (await systemDatabases()).find((d) => d.kind === 'sqlite');

function upload(files: Record<string, string>): FormData {
  const form = new FormData();
  for (const [name, content] of Object.entries(files)) form.append('file', new Blob([content]), name);
  return form;
}

describe.skipIf(!sqlite)('a Filesystem connection serves the files of one directory, and nothing outside it', () => {
  let h: Harness;
  let root: string;
  let outside: string;
  let token: string;
  const files = () => h.admin.backend().connection().filesystem();

  beforeAll(async () => {
    h = await startHarness(sqlite as NonNullable<typeof sqlite>);
    token = await h.adminToken();
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-files-'));
    root = path.join(base, 'files');
    outside = path.join(base, 'outside');
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'do not leak');
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    fs.mkdirSync(path.join(root, 'folder'));
    await h.admin
      .backend()
      .connection()
      .create({ name: 'files', class: 'Fusio.Adapter.File.Connection.Filesystem', config: { config: root } });
  });
  afterAll(async () => {
    await h?.close();
    if (root) fs.rmSync(path.dirname(root), { recursive: true, force: true });
  });

  it('uploads, lists, reads, replaces and deletes files through the fusio-sdk, with Fusio’s file ids', async () => {
    expect(await files().create('files', upload({ 'hello.txt': 'Hello', 'data.json': '{"a":1}' }))).toEqual({
      success: true,
      message: 'File successfully created',
    });
    expect(fs.readFileSync(path.join(root, 'hello.txt'), 'utf8')).toBe('Hello');
    const listed = await files().getAll('files');
    expect(listed.totalResults).toBe(2);
    expect(listed.entry?.map((f) => f.name)).toEqual(['data.json', 'hello.txt']);
    const hello = listed.entry?.find((f) => f.name === 'hello.txt');
    // ramsey/uuid's v3 of the path in Fusio's namespace (checked with Python's uuid.uuid3)
    expect(hello).toMatchObject({
      id: 'c2eb56af-24e1-3e38-9020-0204fa1fdbd2',
      contentType: 'text/plain',
      checksum: '8b1a9953c4611296a827abf8c47804d7',
    });
    expect(new Date(hello?.lastModified ?? '').getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect((await files().getAll('files', 1, 1)).entry?.map((f) => f.name)).toEqual(['hello.txt']);

    expect(Buffer.from(await files().get('files', hello?.id as string)).toString()).toBe('Hello');
    const res = await h.fetch(`/backend/connection/files/filesystem/${hello?.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const etag = res.headers.get('etag') as string;
    expect(etag).toBe('"8b1a9953c4611296a827abf8c47804d7"');
    const again = await h.fetch(`/backend/connection/files/filesystem/${hello?.id}`, {
      headers: { authorization: `Bearer ${token}`, 'if-none-match': etag },
    });
    expect(again.status).toBe(304);

    expect(await files().update('files', hello?.id as string, upload({ 'hello.txt': 'Hello again' }))).toMatchObject({
      success: true,
      message: 'File successfully updated',
    });
    expect(fs.readFileSync(path.join(root, 'hello.txt'), 'utf8')).toBe('Hello again');
    expect(await files().delete('files', hello?.id as string)).toMatchObject({ message: 'File successfully deleted' });
    expect(fs.existsSync(path.join(root, 'hello.txt'))).toBe(false);
    expect(await sdkError(files().get('files', hello?.id as string))).toMatchObject({
      message: 'Provided an invalid id',
    });
  });

  it('lists no link and no folder, and never reads, writes or deletes through a link', async () => {
    const names = (await files().getAll('files')).entry?.map((f) => f.name);
    expect(names).not.toContain('link.txt');
    expect(names).not.toContain('folder');
    // the id the link would have if it were a file
    const linkId = uuidV3('f3cc3100-3111-4ff2-9554-6511ccdc0490', 'link.txt');
    expect(await sdkError(files().get('files', linkId))).toMatchObject({ message: 'Provided an invalid id' });
    expect((await sdkError(files().create('files', upload({ 'link.txt': 'overwritten' })))).message).toMatch(
      /not a file that can be written/,
    );
    expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('do not leak');
  });

  it('refuses names that could leave the directory, uploads that are not multipart, and other connections', async () => {
    for (const name of ['../escape.txt', '..', '...', 'a/b.txt', '/etc/passwd', 'x']) {
      const refused = await sdkError(files().create('files', upload({ [name]: 'escape' })));
      // FormData keeps only the last segment of some names: whatever arrives must not land outside
      expect(refused.message ?? '', name).toMatch(/invalid characters|multipart/);
    }
    expect(fs.readdirSync(path.dirname(root)).sort()).toEqual(['files', 'outside']);
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
    const json = await h.fetch('/backend/connection/files/filesystem', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x.txt' }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { message: string }).message).toBe('Request must be an multipart form upload');
    await h.admin
      .backend()
      .connection()
      .create({ name: 'web', class: 'Fusio.Adapter.Http.Connection.Http', config: { url: h.baseUrl } });
    expect(await sdkError(files().getAll('web'))).toMatchObject({
      message: 'Provided an invalid connection: it is not a Filesystem connection',
    });
    expect(await sdkError(h.admin.backend().connection().sdk().get('files'))).toMatchObject({
      message: 'Provided an invalid connection: it offers no SDK specification',
    });
    for (const config of [{ config: '/' }, { config: 'relative/dir' }, { config: path.join(root, 'missing') }]) {
      const refused = await sdkError(
        h.admin
          .backend()
          .connection()
          .create({ name: 'bad-root', class: 'Fusio.Adapter.File.Connection.Filesystem', config }),
      );
      expect(refused.message).toMatch(/Connection test failed/);
    }
  });
});
