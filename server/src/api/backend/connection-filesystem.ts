import type { BackendFile, BackendFileCollection } from 'fusio-sdk';
import { assertFileName, filesystemConnectionClass, type LocalFilesystem } from '../../connections/filesystem.js';
import { badRequest } from '../../errors.js';
import { queryInt } from '../../http/query.js';
import { type ActionRequest, response } from '../../plugins/action.js';
import { message } from '../http.js';
import type { Platform } from '../platform.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';
import { connectionRef } from './connection.js';

const collectionPath = '/backend/connection/:connection_id/filesystem';
const filePath = `${collectionPath}/:file_id`;

async function filesystemOf(platform: Platform, request: ActionRequest): Promise<LocalFilesystem> {
  const { id } = await platform.connectionConfigs.findOfClass(
    platform.db,
    connectionRef(request.params.connection_id),
    [filesystemConnectionClass],
    'Provided an invalid connection: it is not a Filesystem connection',
  );
  return platform.connections.get<LocalFilesystem>(id);
}

/** The files of a multipart upload, by their file names (Fusio's rule for names). */
async function uploadedFiles(request: ActionRequest): Promise<{ name: string; data: Uint8Array }[]> {
  const type = request.headers['content-type'];
  const raw = request.rawBody ?? (Buffer.isBuffer(request.body) ? request.body : undefined);
  if (typeof type !== 'string' || !/^multipart\/form-data\s*;/i.test(type) || !raw) {
    throw badRequest('Request must be an multipart form upload');
  }
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
  } catch {
    throw badRequest('Request must be an multipart form upload');
  }
  const files: { name: string; data: Uint8Array }[] = [];
  for (const value of form.values()) {
    if (typeof value === 'string') continue;
    if (!value.name) throw badRequest('Provided no file name');
    files.push({ name: assertFileName(value.name), data: new Uint8Array(await value.arrayBuffer()) });
  }
  if (files.length === 0) throw badRequest('Provided no file');
  return files;
}

/** The audit log notes which files came, never their content. */
function auditUpload(body: unknown): unknown {
  return { upload: 'multipart/form-data', bytes: Buffer.isBuffer(body) ? body.length : 0 };
}

/** The files of a Filesystem connection (fusio-sdk BackendConnectionFilesystemTag). */
export const connectionFilesystemOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.connection.filesystem.getAll',
    method: 'GET',
    path: collectionPath,
    description: 'The files of a Filesystem connection, by name',
    async handler({ platform, request }): Promise<BackendFileCollection> {
      const files = await (await filesystemOf(platform, request)).list();
      const startIndex = Math.max(0, queryInt(request.query, 'startIndex') ?? 0);
      const asked = queryInt(request.query, 'count') ?? 16;
      const count = asked >= 1 && asked <= 1024 ? asked : 16;
      return {
        totalResults: files.length,
        startIndex,
        itemsPerPage: count,
        entry: files.slice(startIndex, startIndex + count).map(
          (f): BackendFile => ({
            id: f.id,
            name: f.name,
            contentType: f.contentType,
            checksum: f.checksum,
            lastModified: f.lastModified.toISOString(),
          }),
        ),
      };
    },
  }),
  systemOperation({
    name: 'backend.connection.filesystem.create',
    method: 'POST',
    path: collectionPath,
    httpCode: 201,
    description: 'Uploads files (multipart/form-data) to a Filesystem connection; a file of the same name is replaced',
    auditBody: auditUpload,
    async handler({ platform, request }) {
      const filesystem = await filesystemOf(platform, request);
      for (const file of await uploadedFiles(request)) await filesystem.write(file.name, file.data);
      return response(201, message('File successfully created'));
    },
  }),
  systemOperation({
    name: 'backend.connection.filesystem.get',
    method: 'GET',
    path: filePath,
    description: 'The content of a file by id, with its type, ETag and Last-Modified (304 when unchanged)',
    async handler({ platform, request }) {
      const filesystem = await filesystemOf(platform, request);
      const file = await filesystem.byId(request.params.file_id ?? '');
      const etag = `"${file.checksum}"`;
      const headers = {
        'content-type': file.contentType,
        etag,
        'last-modified': file.lastModified.toUTCString(),
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
        'content-disposition': `attachment; filename="${file.name}"`,
      };
      if (request.headers['if-none-match'] === etag) return response(304, undefined, headers);
      return response(200, await filesystem.read(file.name), headers);
    },
  }),
  systemOperation({
    name: 'backend.connection.filesystem.update',
    method: 'PUT',
    path: filePath,
    description: 'Replaces the content of a file by id with the one file of a multipart upload',
    auditBody: auditUpload,
    async handler({ platform, request }) {
      const filesystem = await filesystemOf(platform, request);
      const file = await filesystem.byId(request.params.file_id ?? '');
      const files = await uploadedFiles(request);
      if (files.length > 1) {
        throw badRequest('It is not possible to provide multiple files when updating a single file');
      }
      await filesystem.write(file.name, (files[0] as { data: Uint8Array }).data);
      return message('File successfully updated', file.id);
    },
  }),
  systemOperation({
    name: 'backend.connection.filesystem.delete',
    method: 'DELETE',
    path: filePath,
    description: 'Deletes a file by id',
    async handler({ platform, request }) {
      const filesystem = await filesystemOf(platform, request);
      const file = await filesystem.byId(request.params.file_id ?? '');
      await filesystem.delete(file.name);
      return message('File successfully deleted', file.id);
    },
  }),
];
