/**
 * Preloaded into the server process by the density scenario only (`--expose-gc --import`): on
 * SIGUSR2 it runs a full garbage collection, so RSS readings compare live memory, not garbage left
 * by startup (account import). It changes nothing else in the server.
 */
const collect = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  collect?.();
  collect?.();
});

export {};
