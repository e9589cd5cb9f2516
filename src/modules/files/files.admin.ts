import { defineAdmin, readOnlyFields, type AdminResource } from '../../platform/admin/resource.js';
import { AppError } from '../../platform/errors.js';
import type { FileRow } from './files.repository.js';
import type { FilesService } from './files.service.js';
import { files } from './files.tables.js';

/** Stored files in the panel: browse (by short name), download, delete (through the files service). */
export function filesAdmin(service: FilesService) {
  const fileResource: AdminResource<FileRow> = {
    name: 'files',
    label: 'Files',
    // The short name is the file's handle everywhere (unique and indexed), so it is the panel's id too.
    source: { table: files, id: files.shortName },
    columns: [
      { key: 'shortName', label: 'Short name' },
      { key: 'filename', label: 'File name' },
      { key: 'bucket', label: 'Bucket' },
      { key: 'fileType', label: 'Type' },
      { key: 'size', label: 'Bytes' },
      { key: 'createdAt', label: 'Uploaded' },
    ],
    search: [files.shortName, files.filename, files.ownerId, files.sha256],
    searchHint: 'short name, file name, owner id or sha256',
    filters: [{ name: 'bucket', label: 'Bucket', column: files.bucket }],
    fields: readOnlyFields(
      'shortName',
      'filename',
      'bucket',
      'fileType',
      'size',
      'sha256',
      'ownerId',
      'pathInStorage',
      'createdAt',
    ),
    title: (f) => f.filename || f.shortName,
    get: (id) => service.lookup(id),
    download: async (id) => {
      const row = await service.find(id);
      return { body: await service.open(row), contentType: row.fileType, filename: row.filename, size: row.size };
    },
    // A module's own files (tweet images) are removed through that module, which keeps its rows in step.
    delete: (id) =>
      service.delete(id, (row) => {
        const owner = service.managedBy(row.bucket);
        if (owner) throw new AppError('BUCKET_MANAGED', 409, `Files of this bucket are deleted through ${owner}.`);
      }),
  };
  return defineAdmin({ module: 'files', label: 'Files', resources: [fileResource] });
}
