/**
 * The in-process bus: the conformance suite with LocalBus nodes sharing a LocalHub, and the
 * single-node default's own promises (synchronous delivery, a throwing listener contained).
 */
import { describe, expect, it } from 'vitest';
import { LocalBus, LocalHub } from '../../../server/bus/local-bus.js';
import { BusUnavailableError } from '../../../server/bus/bus.js';
import { describeBusConformance, entryFor, messageFrame, RecordingListener } from './bus-conformance.js';

describeBusConformance('LocalBus', async (size) => {
  const hub = new LocalHub();
  const nodes = Array.from({ length: size }, (_, i) => new LocalBus({ nodeId: `node${i}`, hub }));
  return {
    nodes,
    crash: (index) => nodes[index]?.crashForTests(),
    close: async () => {
      await Promise.all(nodes.map((node) => node.close()));
    },
  };
});

class ThrowingListener extends RecordingListener {
  override presence(): void {
    throw new Error('listener bug');
  }
}

describe('LocalBus on its own', () => {
  it('delivers to a local user synchronously, before deliver() resolves', async () => {
    const bus = new LocalBus();
    const listener = new RecordingListener();
    await bus.start(listener);
    await bus.claim(entryFor('alice'));
    const frame = messageFrame('bob', 'alice', 1);
    const sent = bus.deliver('alice', frame);
    expect(listener.delivered).toEqual([{ to: 'alice', frame }]);
    expect(await sent).toBe(true);
    await bus.close();
  });

  it('a listener that throws is reported, and the other nodes still get the event', async () => {
    const hub = new LocalHub();
    const warnings: string[] = [];
    const a = new LocalBus({ nodeId: 'a', hub, onWarning: (m) => warnings.push(m) });
    const b = new LocalBus({ nodeId: 'b', hub });
    const listener = new RecordingListener();
    await a.start(new ThrowingListener());
    await b.start(listener);
    await a.presence({ user: 'alice', online: true, at: 1, blocked: [] });
    expect(warnings.join()).toContain('listener bug');
    expect(listener.events).toHaveLength(1);
  });

  it('refuses a second node with the same id on one hub, and a crashed node rejects as unavailable', async () => {
    const hub = new LocalHub();
    const a = new LocalBus({ nodeId: 'same', hub });
    await a.start(new RecordingListener());
    await expect(new LocalBus({ nodeId: 'same', hub }).start(new RecordingListener())).rejects.toThrow(
      /already running/,
    );
    a.crashForTests();
    await expect(a.claim(entryFor('alice'))).rejects.toBeInstanceOf(BusUnavailableError);
  });
});
