/**
 * Files in private chats as the app shows them: every transfer the core reported (`file` events),
 * and sending a picked, dropped or pasted file piece by piece (each piece awaited: the core takes
 * the next only when the peer's socket has room, so a large file never sits in memory).
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ApiError } from '../../../shared/api';
import { fileMimeSchema, type FileTransfer } from '../../../shared/files';
import { FILE_API_CHUNK_BYTES } from '../../../shared/limits';
import { call } from '../api';
import { checkFileToSend, describeFileError } from '../errors';
import { makeThumbnail, readPiece } from '../file-reading';

/** An ended state never goes back to an active one, and bytes only grow (events may cross replies). */
function newer(old: FileTransfer | undefined, next: FileTransfer): FileTransfer {
  if (!old) return next;
  const oldEnded = old.state !== 'sending' && old.state !== 'receiving';
  if (oldEnded) return old;
  return { ...next, bytesDone: Math.max(old.bytesDone, next.bytesDone) };
}

export const useFilesStore = defineStore('files', () => {
  const transfers = ref<Record<string, FileTransfer>>({});
  /** The last problem sending a file to each peer, shown under the chat until the next try. */
  const errors = ref<Record<string, string | null>>({});

  function forPeer(peer: string): FileTransfer[] {
    return Object.values(transfers.value).filter((t) => t.peer === peer);
  }

  /** Applies a `file` event; true when the transfer is new to this window. */
  function apply(transfer: FileTransfer): boolean {
    const known = transfers.value[transfer.id];
    transfers.value[transfer.id] = newer(known, transfer);
    return known === undefined;
  }

  async function load(peer: string): Promise<void> {
    const r = await call('fileTransfers', peer);
    if (r.ok) for (const transfer of r.value) apply(transfer);
  }

  async function send(peer: string, file: File): Promise<boolean> {
    errors.value[peer] = checkFileToSend(file.name, file.size);
    if (errors.value[peer]) return false;
    const thumbnail = await makeThumbnail(file);
    // The type is informative only: one the API would refuse (parameters, odd text) is left out.
    const mime = fileMimeSchema.safeParse(file.type).success ? file.type : '';
    const offer = { name: file.name, size: file.size, mime, ...(thumbnail ? { thumbnail } : {}) };
    const started = await call('sendFile', peer, offer);
    if (!started.ok) {
      errors.value[peer] = describeFileError(started.error, file.name, peer);
      return false;
    }
    apply(started.value.transfer);
    return sendPieces(started.value.transfer, file);
  }

  async function sendPieces(transfer: FileTransfer, file: File): Promise<boolean> {
    for (let at = 0; at < file.size; at += FILE_API_CHUNK_BYTES) {
      // Cancelled here or by the peer: stop reading at once.
      if (transfers.value[transfer.id]?.state !== 'sending') return false;
      const piece = await readPiece(file, at, FILE_API_CHUNK_BYTES).catch(() => null);
      const r = piece === null ? null : await call('sendFileChunk', transfer.id, piece);
      if (!r?.ok) return failSending(transfer, r?.error);
      apply({ ...transfer, bytesDone: r.value.bytesDone, state: 'sending' });
    }
    const ended = await call('sendFileEnd', transfer.id);
    return ended.ok || failSending(transfer, ended.error);
  }

  /** `error` undefined: the file could not be read here, so the transfer is cancelled. */
  function failSending(transfer: FileTransfer, error: ApiError | undefined): false {
    const { peer, name } = transfer;
    if (!error) {
      void cancel(transfer.id);
      errors.value[peer] = `${name} could not be read from your disk.`;
    } else if (error.code !== 'transfer_ended') {
      // A transfer that ended meanwhile (cancelled, failed) already says why in its row.
      errors.value[peer] = describeFileError(error, name, peer);
    }
    return false;
  }

  async function cancel(id: string): Promise<void> {
    const r = await call('cancelFile', id);
    const transfer = transfers.value[id];
    if (!r.ok && transfer && r.error.code !== 'transfer_ended') {
      errors.value[transfer.peer] = describeFileError(r.error, transfer.name, transfer.peer);
    }
  }

  async function save(id: string): Promise<void> {
    const r = await call('saveFile', id);
    const transfer = transfers.value[id];
    if (!r.ok && transfer) errors.value[transfer.peer] = `${transfer.name} could not be saved. Try again.`;
  }

  function reset(): void {
    transfers.value = {};
    errors.value = {};
  }

  return { transfers, errors, forPeer, apply, load, send, cancel, save, reset };
});
