/** How both adapters read an upload's row: `finished` is NULL until its bytes matched their hash. */
import type { UploadRow } from './store.js';

export interface StoredUpload extends Omit<UploadRow, 'finished'> {
  finished: number | null;
}

export const UPLOAD_COLUMNS = 'id, owner, name, size, sha256, mime, started, finished';

export function toUpload(row: StoredUpload): UploadRow {
  const { finished, ...rest } = row;
  return finished === null ? rest : { ...rest, finished };
}
