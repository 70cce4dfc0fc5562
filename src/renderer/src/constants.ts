/** Key of the broadcast conversation. `*` is not allowed in usernames, so it never collides with a peer. */
export const EVERYONE = '*everyone';
export const EVERYONE_LABEL = 'Everyone';
