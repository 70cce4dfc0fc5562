/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function, top first. Enough to
 * name the hotspots without opening a flame-graph viewer (the .cpuprofile opens in Chrome DevTools
 * or speedscope for the full picture).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  top: { name: string; location: string; selfMs: number; selfPct: number }[];
  /** Self time grouped by source area (server file, shared module, node internals, GC, idle). */
  byArea: { area: string; selfPct: number }[];
}

function area(url: string, name: string): string {
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  if (url.includes('/server/')) return `server/${url.split('/server/')[1] ?? ''}`;
  if (url.includes('/src/shared/')) return `src/shared/${url.split('/src/shared/')[1] ?? ''}`;
  if (url.includes('node_modules/zod')) return 'zod (validation)';
  if (url.includes('better-sqlite3')) return 'better-sqlite3';
  if (url.startsWith('node:')) return url;
  if (url === '') return `(native) ${name}`;
  return url.replace(/^file:\/\//, '');
}

export function summarizeProfile(dir: string): ProfileSummary {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    // tsx's module-loader thread writes its own, smaller profile; the main thread's is the largest.
    .sort((a, b) => statSync(b).size - statSync(a).size);
  const file = files[0];
  if (!file) throw new Error(`no .cpuprofile in ${dir} (did the server exit cleanly?)`);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalUs = [...self.values()].reduce((a, b) => a + b, 0);
  const idleUs = [...self.entries()]
    .filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)')
    .reduce((a, [, v]) => a + v, 0);
  const busyUs = Math.max(1, totalUs - idleUs);
  const perFunction = new Map<string, { name: string; location: string; us: number }>();
  const perArea = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const location = url ? `${relative(process.cwd(), url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
    const key = `${name}@${location}`;
    const entry = perFunction.get(key) ?? { name, location, us: 0 };
    entry.us += us;
    perFunction.set(key, entry);
    if (name !== '(idle)') {
      const a = area(url, name);
      perArea.set(a, (perArea.get(a) ?? 0) + us);
    }
  }
  const top = [...perFunction.values()]
    .filter((f) => f.name !== '(idle)')
    .sort((a, b) => b.us - a.us)
    .slice(0, 30)
    .map((f) => ({
      name: f.name,
      location: f.location,
      selfMs: Math.round(f.us / 1000),
      selfPct: Math.round((f.us / busyUs) * 1000) / 10,
    }));
  const byArea = [...perArea.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20)
    .map(([a, us]) => ({ area: a, selfPct: Math.round((us / busyUs) * 1000) / 10 }));
  return { file, sampledMs: Math.round(totalUs / 1000), top, byArea };
}
