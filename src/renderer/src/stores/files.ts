/**
 * Files as the app shows them, in private chats (peer to peer) and in direct and group chats
 * (through the server, `via: 'server'`): every transfer the core reported (`file` events), and
 * sending a picked, dropped or pasted file piece by piece (each piece awaited: the core takes the
 * next only when it has room, so a large file never sits in memory). A chat file's message shows
 * it in the timeline (ChatFile.vue); downloaded images get a thumbnail made here from their bytes.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ApiError, MessageTarget } from '../../../shared/api';
import { fileMimeSchema, type FileOffer, type FileTransfer } from '../../../shared/files';
import { FILE_API_CHUNK_BYTES, FILE_IMAGE_AUTO_DOWNLOAD_BYTES } from '../../../shared/limits';
import type { FileInfo } from '../../../shared/protocol';
import { call } from '../api';
import { groupIdOf, groupKey } from '../constants';
import { checkFileToSend, describeFileError } from '../errors';
import { base64ToBytes, makeThumbnail, readPiece } from '../file-reading';
import { useChatStore } from './chat';
import { useSessionStore } from './session';

/** The conversation key (see constants.ts) of a chat file: its group, or the other person. */
export function chatKeyOf(transfer: FileTransfer): string {
  return transfer.group !== undefined ? groupKey(transfer.group) : transfer.peer;
}

/** Where a transfer's problems are shown: its private chat's window, or its chat in the main window. */
function errorKey(transfer: FileTransfer): string {
  return transfer.via === 'server' ? chatKeyOf(transfer) : transfer.peer;
}

/** A conversation key as the core's target. */
export function targetOf(key: string): MessageTarget {
  const group = groupIdOf(key);
  return group === undefined ? { to: key } : { group };
}

/** Whether the app downloads this file by itself, to show it inline. */
export function autoDownloads(file: { mime: string; size: number }): boolean {
  return file.mime.startsWith('image/') && file.size <= FILE_IMAGE_AUTO_DOWNLOAD_BYTES;
}

async function offerFor(file: File): Promise<FileOffer> {
  const thumbnail = await makeThumbnail(file);
  // The type is informative only: one the API would refuse (parameters, odd text) is left out.
  const mime = fileMimeSchema.safeParse(file.type).success ? file.type : '';
  return { name: file.name, size: file.size, mime, ...(thumbnail ? { thumbnail } : {}) };
}

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

  /** Inline thumbnails of downloaded images, by transfer id (data URLs made here). */
  const previews = ref<Record<string, string>>({});
  /**
   * Bytes of a chat file handed to the core so far, by transfer id: its upload starts only once the
   * core has them all, and a large file takes a while to hand over (the row says how far it is).
   */
  const prepared = ref<Record<string, number>>({});

  function forPeer(peer: string): FileTransfer[] {
    return Object.values(transfers.value).filter((t) => t.via === undefined && t.peer === peer);
  }

  /** The transfer a chat message's file shows: its download if any, else its upload. */
  function forMessage(id: number | undefined, clientId: string | undefined): FileTransfer | undefined {
    const all = Object.values(transfers.value).filter(
      (t) =>
        t.via === 'server' &&
        ((id !== undefined && t.messageId === id) || (clientId !== undefined && t.clientId === clientId)),
    );
    return all.find((t) => t.direction === 'receive' && t.state !== 'cancelled') ?? all.at(-1);
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
    const started = await call('sendFile', peer, await offerFor(file));
    if (!started.ok) {
      errors.value[peer] = describeFileError(started.error, file.name, peer);
      return false;
    }
    apply(started.value.transfer);
    return sendPieces(started.value.transfer, file);
  }

  /** Sends a file to a direct or group chat: it shows in the timeline at once, with its progress. */
  async function sendToChat(key: string, file: File): Promise<boolean> {
    const max = useSessionStore().serverInfo?.limits.maxFileBytes ?? 0;
    errors.value[key] = checkFileToSend(file.name, file.size, max);
    if (errors.value[key]) return false;
    const started = await call('sendChatFile', targetOf(key), await offerFor(file));
    if (!started.ok) {
      errors.value[key] = describeFileError(started.error, file.name, null);
      return false;
    }
    const { transfer } = started.value;
    apply(transfer);
    useChatStore().addLocalFile(key, transfer);
    return sendPieces(transfer, file);
  }

  /** Downloads a chat message's file (Download, or an image shown inline). */
  async function download(key: string, messageId: number, file: FileInfo): Promise<void> {
    const r = await call('downloadFile', messageId, file, targetOf(key));
    if (r.ok) apply(r.value.transfer);
    else errors.value[key] = describeFileError(r.error, file.name, null);
  }

  /** Makes the inline thumbnail of a downloaded image from its bytes (read piece by piece). */
  async function makePreview(transfer: FileTransfer): Promise<void> {
    if (previews.value[transfer.id] || !autoDownloads(transfer)) return;
    const parts: Uint8Array<ArrayBuffer>[] = [];
    for (let at = 0; at < transfer.size; at += FILE_API_CHUNK_BYTES) {
      const r = await call('readFile', transfer.id, at);
      if (!r.ok) return;
      parts.push(base64ToBytes(r.value.data));
    }
    const image = new File(parts, transfer.name, { type: transfer.mime });
    const thumbnail = await makeThumbnail(image);
    if (thumbnail) previews.value[transfer.id] = `data:${thumbnail.mime};base64,${thumbnail.data}`;
  }

  async function sendPieces(transfer: FileTransfer, file: File): Promise<boolean> {
    for (let at = 0; at < file.size; at += FILE_API_CHUNK_BYTES) {
      // Cancelled here or by the peer: stop reading at once.
      if (transfers.value[transfer.id]?.state !== 'sending') return false;
      const piece = await readPiece(file, at, FILE_API_CHUNK_BYTES).catch(() => null);
      const r = piece === null ? null : await call('sendFileChunk', transfer.id, piece);
      if (!r?.ok) return failSending(transfer, r?.error);
      // A chat file's progress is its upload, which starts once the core has every byte.
      if (transfer.via === undefined) apply({ ...transfer, bytesDone: r.value.bytesDone, state: 'sending' });
      else prepared.value[transfer.id] = r.value.bytesDone;
    }
    const ended = await call('sendFileEnd', transfer.id);
    return ended.ok || failSending(transfer, ended.error);
  }

  /** `error` undefined: the file could not be read here, so the transfer is cancelled. */
  function failSending(transfer: FileTransfer, error: ApiError | undefined): false {
    const { name } = transfer;
    if (!error) {
      void cancel(transfer.id);
      errors.value[errorKey(transfer)] = `${name} could not be read from your disk.`;
    } else if (error.code !== 'transfer_ended') {
      // A transfer that ended meanwhile (cancelled, failed) already says why in its row.
      errors.value[errorKey(transfer)] = describeError(error, transfer);
    }
    return false;
  }

  function describeError(error: ApiError, transfer: FileTransfer): string {
    return describeFileError(error, transfer.name, transfer.via === 'server' ? null : transfer.peer);
  }

  async function cancel(id: string): Promise<void> {
    const r = await call('cancelFile', id);
    const transfer = transfers.value[id];
    if (!r.ok && transfer && r.error.code !== 'transfer_ended') {
      errors.value[errorKey(transfer)] = describeError(r.error, transfer);
    }
  }

  async function save(id: string): Promise<void> {
    const r = await call('saveFile', id);
    const transfer = transfers.value[id];
    if (!r.ok && transfer)
      errors.value[errorKey(transfer)] = `${transfer.name} could not be saved. Try again.`;
  }

  function reset(): void {
    transfers.value = {};
    errors.value = {};
    previews.value = {};
    prepared.value = {};
  }

  return {
    transfers,
    errors,
    previews,
    prepared,
    forPeer,
    forMessage,
    apply,
    load,
    send,
    sendToChat,
    download,
    makePreview,
    cancel,
    save,
    reset,
  };
});
