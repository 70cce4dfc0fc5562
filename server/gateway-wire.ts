/**
 * What the core (the server process that owns storage, presence and delivery) and its gateway
 * processes (which own client sockets) say to each other over the IPC channel of `fork`. The core
 * accepts each connection and passes its descriptor to the gateway with the fewest (`adopt`), so
 * they fill evenly. Then both directions send batches: one IPC message per event-loop turn, so a
 * broadcast to N sessions costs the core one message per gateway, and the gateways make the N
 * socket writes.
 */

/** Gateway → core, about the gateway's connection `id`. */
export type GatewayEvent =
  | { t: 'open'; id: number; address: string | undefined }
  | { t: 'data'; id: number; data: Uint8Array }
  /**
   * The gateway has taken that many bytes of the core's writes, and `buffered` bytes of the
   * connection's output are still waiting for the client to read (net.Socket writableLength).
   * Sent after writes, when the socket drains, and every 250 ms while output waits (server/gateway.ts),
   * so the core sees whether a backed-up client reads at all.
   */
  | { t: 'ack'; id: number; bytes: number; buffered: number }
  | { t: 'close'; id: number }
  /** An adopted connection ended before it opened (its TLS handshake failed): it gets no id. */
  | { t: 'abandoned' };

/** Core → gateway. */
export type CoreCommand =
  | { t: 'write'; id: number; data: Uint8Array }
  /** The same bytes for several connections (a presence event, a broadcast): copied once. */
  | { t: 'fanout'; ids: number[]; data: Uint8Array }
  | { t: 'end'; id: number; data?: string }
  | { t: 'destroy'; id: number }
  | { t: 'pause'; id: number }
  | { t: 'resume'; id: number };

export interface GatewaySetup {
  t: 'setup';
  /** A connection with more unsent output than this is destroyed (the core keeps below it). */
  maxOutputBytes: number;
  /** PEM; present when the server speaks TLS (the gateway terminates it). */
  tls?: { cert: string; key: string; handshakeTimeoutMs: number };
}

/** Sent with a connection the core accepted (paused, unread) as the handle: the gateway owns it now. */
export interface GatewayAdopt {
  t: 'adopt';
}

export type GatewayControl = GatewaySetup | GatewayAdopt | { t: 'stop' };

/** Messages on the channel: batches both ways, plus control messages to and from the gateway. */
export type ToGateway = CoreCommand[] | GatewayControl;
export type FromGateway = GatewayEvent[] | { t: 'listening' };
