import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { badRequest, notFound } from '../errors.js';
import { defineConnectionType } from '../plugins/connection.js';

export const filesystemConnectionClass = 'Fusio.Adapter.File.Connection.Filesystem';

/** Fusio's file names: no folders, no path of any kind. */
const fileNamePattern = /^[A-Za-z0-9._-]{3,64}$/;

/** Fusio's namespace for the UUID v3 of a file's path, so ids match an installation moved from Fusio. */
const idNamespace = 'f3cc3100-3111-4ff2-9554-6511ccdc0490';

/** The largest file read into an answer. */
export const maxFileBytes = 64 * 1024 * 1024;

const mimeTypes: Record<string, string> = {
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.html': 'text/html',
  '.md': 'text/markdown',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.zip': 'application/zip',
};

/** RFC 4122 version 3 (MD5, name-based), as Fusio's ramsey/uuid makes it. */
export function uuidV3(namespace: string, name: string): string {
  const bytes = createHash('md5')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x30;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface StoredFile {
  id: string;
  name: string;
  contentType: string;
  checksum: string;
  lastModified: Date;
  size: number;
}

/**
 * A directory as a flat store of files (Fusio's Flysystem connection on a local root). Only regular files
 * directly in the root exist for it: no folders, no symbolic links (listed nowhere, never followed, never
 * written through), and names of letters, digits, `.`, `-` and `_` only, so nothing reaches outside.
 */
export class LocalFilesystem {
  constructor(readonly root: string) {}

  /** The regular files of the root, by name (case-insensitive). */
  async list(): Promise<StoredFile[]> {
    const entries = await fs.readdir(this.root, { withFileTypes: true });
    const files: StoredFile[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || !fileNamePattern.test(entry.name)) continue;
      const file = await this.describe(entry.name).catch(() => null);
      if (file) files.push(file);
    }
    return files.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  }

  async byId(id: string): Promise<StoredFile> {
    const entries = await fs.readdir(this.root, { withFileTypes: true });
    const entry = entries.find((e) => e.isFile() && fileNamePattern.test(e.name) && uuidV3(idNamespace, e.name) === id);
    if (!entry) throw notFound('Provided an invalid id');
    return this.describe(entry.name);
  }

  async read(name: string): Promise<Buffer> {
    const handle = await fs.open(this.pathOf(name), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw notFound('Provided an invalid id');
      if (stat.size > maxFileBytes) throw badRequest(`The file is larger than ${maxFileBytes} bytes`);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  /** Writes a file (new or replaced); a name that is a link or not a plain file name is refused. */
  async write(name: string, data: Uint8Array): Promise<void> {
    const target = this.pathOf(name);
    const existing = await fs.lstat(target).catch(() => null);
    if (existing && !existing.isFile()) throw badRequest(`"${name}" is not a file that can be written`);
    const handle = await fs.open(
      target,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      0o640,
    );
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
  }

  async delete(name: string): Promise<void> {
    const target = this.pathOf(name);
    const stat = await fs.lstat(target).catch(() => null);
    if (!stat?.isFile()) throw notFound('Provided an invalid id');
    await fs.unlink(target);
  }

  private async describe(name: string): Promise<StoredFile> {
    const content = await this.read(name);
    const stat = await fs.lstat(this.pathOf(name));
    return {
      id: uuidV3(idNamespace, name),
      name,
      contentType: mimeTypes[path.extname(name).toLowerCase()] ?? 'application/octet-stream',
      checksum: createHash('md5').update(content).digest('hex'),
      lastModified: stat.mtime,
      size: stat.size,
    };
  }

  private pathOf(name: string): string {
    assertFileName(name);
    return path.join(this.root, name);
  }
}

/** Fusio's rule for an uploaded file's name; `..` and anything with a slash never pass. */
export function assertFileName(name: string): string {
  if (!fileNamePattern.test(name) || /^\.+$/.test(name)) {
    throw badRequest('Provided file name contains invalid characters: use 3 to 64 letters, digits, ".", "-" or "_"');
  }
  return name;
}

export const filesystemConnection = defineConnectionType<{ config: string }, LocalFilesystem>({
  class: filesystemConnectionClass,
  name: 'Filesystem',
  description: 'A local directory as a store of files (upload, read, replace, delete; no folders, no links)',
  config: {
    type: 'object',
    properties: {
      config: {
        type: 'string',
        title: 'Directory',
        description: "Absolute path of the directory, e.g. /srv/portico/files; Portico's user must be able to write it",
      },
    },
    required: ['config'],
  },
  async connect(config) {
    const given = config.config;
    if (!path.isAbsolute(given)) throw new Error('The directory must be an absolute path');
    const root = await fs.realpath(given).catch(() => {
      throw new Error(`The directory ${given} does not exist`);
    });
    if (root === path.parse(root).root) throw new Error('The directory must not be the root of the filesystem');
    const stat = await fs.stat(root);
    if (!stat.isDirectory()) throw new Error(`${given} is not a directory`);
    return new LocalFilesystem(root);
  },
  async ping(client) {
    await fs.access(client.root, constants.R_OK | constants.W_OK);
  },
});
