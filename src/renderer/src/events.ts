/**
 * Routes the core's events (window.messenger.onEvent) to the stores. One subscription per window:
 * the main window handles everything; a private-chat window only its session and the connection.
 */
import type { AppEvent } from '../../shared/api';
import { onEvent } from './api';
import { EVERYONE, conversationKeyOf } from './constants';
import { notifyIfUnfocused, requestNotificationPermission } from './notify';
import { useBlockedStore } from './stores/blocked';
import { useChatStore } from './stores/chat';
import { useConversationsStore } from './stores/conversations';
import { useMessageSearchStore } from './stores/message-search';
import { usePeopleStore } from './stores/people';
import { usePrivateStore } from './stores/private';
import { chatKeyOf, useFilesStore } from './stores/files';
import type { FileTransfer } from '../../shared/files';
import { describeFileEnd } from './errors';
import { useReceiptsStore } from './stores/receipts';
import { useSessionStore } from './stores/session';
import { useToastsStore } from './stores/toasts';
import { useTypingStore } from './stores/typing';

export type WindowKind = 'main' | 'private';

/** A file of a direct or group chat moved on or ended; one that ended unsent settles its row. */
function onChatFile(transfer: FileTransfer): void {
  useFilesStore().apply(transfer);
  if (transfer.direction === 'send' && transfer.state !== 'sending') {
    useChatStore().settleLocalFile(chatKeyOf(transfer), transfer, describeFileEnd(transfer));
  }
}

export function resetUserStores(): void {
  useChatStore().reset();
  useConversationsStore().reset();
  useMessageSearchStore().reset();
  usePeopleStore().reset();
  useBlockedStore().reset();
  usePrivateStore().reset();
  useReceiptsStore().reset();
  useTypingStore().reset();
}

/** Everything the main window loads after a login. */
export async function loadAfterLogin(): Promise<void> {
  requestNotificationPermission();
  const people = usePeopleStore();
  await Promise.all([
    useConversationsStore().load(),
    people.refreshOnline(),
    people.refreshRecent(),
    useBlockedStore().load(),
    useReceiptsStore().loadSettings(),
  ]);
}

/**
 * `privatePeer`: in a private-chat window, whose chat it shows (that window notifies for it).
 */
export function bindEvents(kind: WindowKind, privatePeer?: string): () => void {
  const session = useSessionStore();
  const privates = usePrivateStore();

  /** After a notification click: show that conversation, unless the user has logged out since. */
  function openConversation(key: string): void {
    if (session.loggedIn) useConversationsStore().select(key);
  }

  function handle(e: AppEvent): void {
    switch (e.kind) {
      case 'state':
        session.applyState(e.state);
        return;
      case 'logged_out':
        session.handleLoggedOut(e.reason);
        if (kind === 'main') resetUserStores();
        else privates.handleSignedOut();
        // Received files are gone with the login (the core removes them): nothing left to save.
        useFilesStore().reset();
        return;
      case 'idle_warning':
        session.setIdleWarning(e.logoutAt);
        return;
      case 'private_opened':
        // The peer's side stays quiet ("nothing yet", behaviour.md) until the first private message.
        privates.handleOpened(e.peer);
        return;
      case 'private_message':
        privates.handleMessage(e.peer, e.from, e.text, e.at);
        if (e.from === session.username) return;
        if (kind === 'main') void privates.openWindow(e.peer);
        // Its own window tells about it: the main window may be focused while this one is buried.
        else if (e.peer === privatePeer)
          notifyIfUnfocused(`${e.from} (private chat)`, e.text, undefined, e.peer);
        return;
      case 'private_closed':
        privates.handleClosed(e.peer, e.reason);
        return;
      case 'file':
        if (e.transfer.via === 'server') return onChatFile(e.transfer);
        // A file arriving opens its chat's window, like a private message does.
        if (useFilesStore().apply(e.transfer) && kind === 'main' && e.transfer.direction === 'receive')
          void privates.openWindow(e.transfer.peer);
        return;
    }
    if (kind !== 'main') return;
    switch (e.kind) {
      case 'presence':
        usePeopleStore().handlePresence(e.user, e.online);
        return;
      case 'typing':
        useTypingStore().apply(e.peers);
        return;
      case 'group_typing':
        useTypingStore().applyGroups(e.groups);
        return;
      case 'group':
        useConversationsStore().applyGroupEvent(e);
        if (e.action === 'removed' || e.action === 'left') useReceiptsStore().dropGroupMembers(e.id, e.users);
        return;
      case 'message': {
        const incoming = e.message.from !== session.username;
        useChatStore().receive(e.message);
        const conversations = useConversationsStore();
        conversations.noteMessage(e.message, incoming);
        if (incoming) {
          const key = conversationKeyOf(e.message, session.username);
          const title =
            e.message.group === undefined ? key : `${e.message.from} in ${conversations.displayName(key)}`;
          const body = e.message.text || `📎 ${e.message.file?.name ?? ''}`;
          notifyIfUnfocused(title, body, () => openConversation(key), key);
        }
        return;
      }
      case 'message_updated':
        useChatStore().receiveChange(e.message);
        return;
      case 'queued_sent':
        useChatStore().settleQueued(e);
        useConversationsStore().noteMessage(e.message, false);
        return;
      case 'queued_failed':
        useChatStore().settleQueued(e);
        return;
      case 'receipt':
        useReceiptsStore().apply(e.peer, e);
        return;
      case 'group_receipt':
        useReceiptsStore().applyGroup(e.group, e.members);
        return;
      case 'broadcast': {
        const incoming = e.from !== session.username;
        useChatStore().receiveBroadcast(e);
        useConversationsStore().noteBroadcast(e.from, e.text, e.sentAt, incoming, e.id);
        if (incoming)
          notifyIfUnfocused(`${e.from} to everyone`, e.text, () => openConversation(EVERYONE), EVERYONE);
        return;
      }
    }
  }

  return onEvent((e) => {
    try {
      handle(e);
    } catch (err) {
      // The details are for developers (the console); the user gets what to do.
      console.error(err);
      useToastsStore().show(
        'Something went wrong while updating the window. If it looks out of date, reload it.',
        'error',
      );
    }
  });
}
