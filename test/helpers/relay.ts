/** A TCP relay for tests that need to see, rewrite or cut one client's traffic to a server. */
import net from 'node:net';

/**
 * A TCP relay in front of a server: records every byte both ways. `rewrite` may change the
 * server → client stream line by line (used to route P2P introductions through another relay).
 */
export class Relay {
  readonly toServer: Buffer[] = [];
  readonly toClient: Buffer[] = [];
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;
  private down = false;
  port = 0;

  constructor(
    /** The port to forward to, read at each new connection (a restarted server may move). */
    private readonly target: number | (() => number),
    private readonly rewrite?: (line: string) => Promise<string> | string,
  ) {}

  async start(): Promise<number> {
    const server = net.createServer((client) => this.pipe(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  text(): string {
    return Buffer.concat([...this.toServer, ...this.toClient]).toString('utf8');
  }

  /** Drops every connection through the relay, and each new one, until restore(): a network outage for its clients only. */
  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  private pipe(client: net.Socket): void {
    if (this.down) {
      client.destroy();
      return;
    }
    const port = typeof this.target === 'number' ? this.target : this.target();
    const upstream = net.connect({ host: '127.0.0.1', port });
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      this.toServer.push(chunk);
      upstream.write(chunk);
    });
    if (this.rewrite) this.pipeRewritten(upstream, client, this.rewrite);
    else {
      upstream.on('data', (chunk: Buffer) => {
        this.toClient.push(chunk);
        client.write(chunk);
      });
    }
  }

  private pipeRewritten(
    from: net.Socket,
    to: net.Socket,
    rewrite: (line: string) => Promise<string> | string,
  ) {
    let pending = '';
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      this.toClient.push(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        chain = chain.then(async () => {
          to.write(`${await rewrite(line)}\n`);
        });
      }
    });
  }
}
