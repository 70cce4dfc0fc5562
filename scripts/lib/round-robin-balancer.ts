/**
 * A round-robin TCP balancer for `npm run cluster` (scripts/cluster.ts), for local use only: each
 * new connection goes to the next node, or to the one after when that node refuses, and its bytes
 * are relayed both ways until either side closes. Production puts HAProxy or nginx `stream` here
 * (docs/scaling.md).
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface Backend {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export interface Balancer {
  readonly port: number;
  /** Stops accepting connections; those already relayed go on. */
  stopListening(): void;
  /** Cuts every relayed connection. */
  cutAll(): void;
}

/** `route` is called once per connection with the node it went to, or undefined when none answered. */
export async function startBalancer(
  host: string,
  port: number,
  backends: readonly Backend[],
  route: (client: Socket, backend: Backend | undefined) => void,
): Promise<Balancer> {
  const open = new Set<Socket>();
  let next = 0;
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  /** Relays to the first node that accepts, trying them in turn from backends[first]. */
  const relay = (client: Socket, first: number, attempt = 0) => {
    const backend = backends[(first + attempt) % backends.length] as Backend;
    const upstream = createConnection({ host: backend.host, port: backend.port });
    const refused = () => {
      if (attempt + 1 < backends.length && !client.destroyed) return relay(client, first, attempt + 1);
      route(client, undefined);
      client.destroy();
    };
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.off('error', refused);
      track(upstream);
      if (client.destroyed) return upstream.destroy();
      route(client, backend);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
  };
  // Paused until relayed: what the client sends first waits in the kernel, not in a lost 'data'.
  const server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    relay(client, next);
    next = (next + 1) % backends.length;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('balancer has no TCP address');
  return {
    port: address.port,
    stopListening: () => server.close(),
    cutAll: () => {
      for (const socket of open) socket.destroy();
    },
  };
}
