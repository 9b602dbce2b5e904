import fs from 'node:fs';
import path from 'node:path';

/** A problem with a folder an operator named, said in words (the setting is added by the caller). */
export class FolderProblem extends Error {
  constructor(
    readonly folder: string,
    readonly reason: string,
  ) {
    super(`${folder} ${reason}`);
    this.name = 'FolderProblem';
  }
}

function reasonOf(error: unknown): string {
  switch ((error as NodeJS.ErrnoException)?.code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return 'is not a folder: a file is in the way';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be written by this user (permission denied)';
    case 'EROFS':
      return 'is on a read-only file system';
    case 'ENOENT':
      return 'cannot be created there (its parent does not take new folders)';
    case 'ENOSPC':
      return 'is on a full disk';
    default:
      return `cannot be used (${(error as Error)?.message ?? String(error)})`;
  }
}

/**
 * `mkdir -p` one level at a time. Node's recursive mkdir never returns on some file systems (under
 * /proc it loops at 100 % CPU), so each missing level is created on its own and a failure is named.
 */
export function makeFolder(folder: string): void {
  const missing: string[] = [];
  let current = path.resolve(folder);
  for (;;) {
    try {
      if (!fs.statSync(current).isDirectory()) throw new FolderProblem(current, reasonOf({ code: 'ENOTDIR' }));
      break;
    } catch (error) {
      if (error instanceof FolderProblem) throw error;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new FolderProblem(current, reasonOf(error));
      missing.unshift(current);
      const parent = path.dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  for (const dir of missing) {
    try {
      fs.mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new FolderProblem(dir, reasonOf(error));
    }
  }
}

/** A folder that exists (created when missing) and takes a new file. */
export function assertWritableFolder(folder: string): void {
  makeFolder(folder);
  const probe = path.join(folder, `.portico-write-check-${process.pid}`);
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
  } catch (error) {
    throw new FolderProblem(path.resolve(folder), reasonOf(error));
  }
}
