/** Picks the Bus adapter the options ask for. Redis's client is loaded only when it is used. */
import type { Logger } from 'pino';
import type { ServerOptions } from '../config.js';
import type { Bus } from './bus.js';
import { LocalBus } from './local-bus.js';

export async function openBus(options: ServerOptions, logger: Logger): Promise<Bus> {
  if (options.busUrl === undefined) return new LocalBus();
  const { createRedisBus } = await import('./redis-bus.js');
  return createRedisBus(options.busUrl, {
    keyPrefix: options.busPrefix,
    onWarning: (message) => logger.warn(message),
  });
}
