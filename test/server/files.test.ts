/** The file tests (./files-suite.ts) on the disk blob store: blobs/ab/cd/<sha256> in the files folder. */
import { DiskFileStore } from '../../server/files/disk-file-store.js';
import { describeFileTests, filesIn } from './files-suite.js';
import { join } from 'node:path';

describeFileTests({
  options: () => ({}),
  blobs: (server) => Promise.resolve(filesIn(server, 'blobs')),
  fileStore: (server) => new DiskFileStore(join(server.dir, 'files')),
});
