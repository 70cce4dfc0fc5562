/** A stranger who occupies a listener with idle TCP connections, for lock-out tests. */
import net from 'node:net';

/**
 * A stranger holding `count` idle connections to `port`: whenever the listener closes one, it opens
 * another at once. `closed` counts the connections the listener closed so far.
 */
export function idleStranger(port: number, count: number) {
  const sockets = new Set<net.Socket>();
  let stopped = false;
  const stats = { closed: 0 };
  const open = (): void => {
    if (stopped) return;
    const socket = net.connect({ host: '127.0.0.1', port });
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      stats.closed += 1;
      open();
    });
  };
  for (let i = 0; i < count; i += 1) open();
  return {
    stats,
    stop(): void {
      stopped = true;
      for (const socket of sockets) socket.destroy();
    },
  };
}
