/**
 * Smoke test of the bench so it cannot rot: tiny sizes, real server and worker processes, sane
 * numbers in the result JSON. No timing thresholds: performance is judged by `npm run bench`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench, type BenchResults } from './run.js';
import { NGIRCD, ngircdAvailable } from './lib/servers.js';
import { ejabberdMissing } from './lib/ejabberd.js';
import type { Sizes } from './scenarios.js';

const SIZES: Sizes = {
  workers: 2,
  dmClients: 20,
  closedMs: 400,
  rates: [400],
  openMs: 500,
  broadcastReceivers: [20],
  broadcastRepeats: 2,
  broadcastSetupMs: 60_000,
  densityTarget: 50,
  densityWatchers: 10,
  densityBudgetMs: 10_000,
  backlog: 300,
  loginUsers: 2,
  loginMs: 500,
  setupKdfCost: 2,
  modesRepeats: 2,
  modesRate: 200,
  searchMessages: 3000,
  searchers: 5,
  searchGroups: 0,
  indexCostMessages: 1500,
  indexCostRounds: 1,
};

const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One scenario at the quick sizes, without peers or profiling. */
const runQuick = (scenario: 'modes' | 'search' | 'search-index' | 'files') =>
  runBench({
    quick: true,
    scenarios: [scenario],
    sizes: SIZES,
    peer: false,
    profile: false,
    resultsDir: dir,
    command: 'bench.smoke.test.ts',
  });

describe('bench smoke', () => {
  it(
    'runs the direct (with every peer), broadcast and backlog scenarios and writes sane results',
    { timeout: 240_000 },
    async () => {
      const peer = ngircdAvailable();
      if (!peer) console.log(`bench smoke: ${NGIRCD} absent, skipping the ngircd part`);
      // CI installs ejabberd (scripts/setup/test.sh): there a missing one fails the test below.
      const durable = ejabberdMissing('sqlite') === undefined || process.env.CI === 'true';
      if (!durable) console.log(`bench smoke: ${ejabberdMissing('sqlite')}; skipping the ejabberd part`);
      const results = await runBench({
        quick: true,
        scenarios: ['dm', 'broadcast', 'backlog'],
        sizes: SIZES,
        peer: true,
        peers: [...(peer ? (['ngircd'] as const) : []), 'ejabberd-sqlite', 'ejabberd-mnesia'],
        profile: false,
        overload: true,
        resultsDir: dir,
        command: 'bench.smoke.test.ts',
      });
      expect(results.errors).toEqual({});
      const written = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as BenchResults;
      expect(written.table?.length).toBeGreaterThan(0);

      const targets = [
        written.dm?.ours,
        written.dm?.floor,
        ...(peer ? [written.dm?.ngircd] : []),
        ...(durable ? [written.dm?.['ejabberd-sqlite'], written.dm?.['ejabberd-mnesia']] : []),
      ];
      for (const dm of targets) {
        expect(dm).toBeDefined();
        if (!dm) continue;
        expect(dm.closed.sent).toBeGreaterThan(0);
        expect(dm.closed.errors).toBe(0);
        expect(dm.closed.delivered).toBe(dm.closed.sent);
        expect(dm.closed.latency.p50).toBeGreaterThan(0);
        for (const point of dm.open) {
          expect(point.sent).toBe(200);
          expect(point.delivered).toBe(point.sent);
          expect(point.latency.count).toBe(point.sent);
          expect(point.latency.p50).toBeGreaterThan(0);
          expect(point.latency.p99).toBeGreaterThanOrEqual(point.latency.p50);
        }
      }
      // Overload: both configurations, every multiple three times, nothing fails but busy.
      const overload = written.dm?.overload ?? [];
      expect(overload.map((result) => result.config.label)).toEqual(['defaults', 'tight']);
      for (const result of overload) {
        expect(result.rows.map((row) => row.multiple)).toEqual([1, 1, 1, 2, 2, 2, 5, 5, 5]);
        for (const row of result.rows) {
          expect(row.otherErrors).toBe(0);
          expect(row.delivered).toBeGreaterThan(0);
          expect(row.delivered + row.busy).toBeLessThanOrEqual(row.sent);
          expect(row.peakRssMb).toBeGreaterThan(0);
        }
      }
      const broadcasts = [...(written.broadcast?.ours ?? []), ...(written.broadcast?.ngircd ?? [])];
      expect(broadcasts.length).toBe(peer ? 2 : 1);
      for (const b of broadcasts) {
        expect(b.online).toBe(b.receivers);
        expect(b.delivered).toBe(b.receivers);
        expect(b.lastReceiptMs).toBeGreaterThan(0);
      }
      if (durable) {
        const ejabberdRows = written.table?.filter((row) => row.metric.startsWith('ejabberd on '));
        // Per config: the closed loop, and p50 and p99 at each rate, each with this server's ratio.
        expect(ejabberdRows).toHaveLength(2 * (1 + 2 * SIZES.rates.length));
        for (const row of ejabberdRows ?? []) expect(row.advantage).toBeGreaterThan(0);
      }
      expect(written.backlog?.messages).toBe(SIZES.backlog);
      expect(written.backlog?.received).toBe(SIZES.backlog);
      expect(written.backlog?.receivedOffline).toBe(SIZES.backlog);
      expect(written.backlog?.lastReceiptMs).toBeGreaterThan(0);
    },
  );

  it(
    'runs every mode (relay floor, SQLite, PostgreSQL, two nodes on PostgreSQL + Redis) under the same load',
    { timeout: 180_000 },
    async () => {
      const results = await runQuick('modes');
      expect(results.errors).toEqual({});
      const modes = results.modes ?? [];
      expect(modes.map((m) => [m.mode, m.nodes])).toEqual([
        ['floor', 1],
        ['sqlite', 1],
        ['postgres', 1],
        ['postgres+redis', 2],
      ]);
      for (const m of modes) {
        expect(m.closedRuns).toHaveLength(SIZES.modesRepeats);
        for (const run of m.closedRuns) {
          expect(run.sent).toBeGreaterThan(0);
          expect(run.errors).toBe(0);
          expect(run.delivered).toBe(run.sent);
        }
        expect(m.closedPerSec).toBeGreaterThan(0);
        expect(m.open.sent).toBe((SIZES.modesRate * SIZES.openMs) / 1000);
        expect(m.open.delivered).toBe(m.open.sent);
        expect(m.nodeCpuMicrosPerMessage).toBeGreaterThan(0);
        // Each side sends only to the other; on two nodes the sides are on different nodes.
        expect(m.sides.map((side) => side.clients)).toEqual([SIZES.dmClients / 2, SIZES.dmClients / 2]);
        expect(m.sides.map((side) => [side.node, side.sendsToNode])).toEqual(
          m.nodes === 2
            ? [
                [0, 1],
                [1, 0],
              ]
            : [
                [0, 0],
                [0, 0],
              ],
        );
        const usesServices = m.mode.startsWith('postgres');
        expect(m.serviceCpuMicrosPerMessage > 0).toBe(usesServices);
      }
      expect(results.table?.filter((row) => row.scenario.startsWith('7 modes'))).toHaveLength(12);
    },
  );

  it(
    'seeds SQLite and PostgreSQL alike and times every search query on both',
    { timeout: 180_000 },
    async () => {
      const results = await runQuick('search');
      expect(results.errors).toEqual({});
      const backends = results.search?.backends ?? [];
      expect(backends.map((b) => b.backend)).toEqual(['sqlite', 'postgres']);
      for (const b of backends) {
        expect(Object.keys(b.queries)).toEqual(['common word', 'rare word', 'two words', 'prefix']);
        for (const q of Object.values(b.queries)) expect(q.latency.count).toBe(SIZES.searchers);
      }
      // The same rows on both stores: the same number of matches for every query.
      const counts = backends.map((b) => Object.values(b.queries).map((q) => q.meanResults));
      expect(counts[0]).toEqual(counts[1]);
      expect(counts[0]?.[0]).toBeGreaterThan(0);
      expect(results.table?.filter((row) => row.scenario.startsWith('8 search'))).toHaveLength(18);
    },
  );
  it(
    'seeds a group-heavy store alike on SQLite and PostgreSQL: every query finds as many on both',
    { timeout: 180_000 },
    async () => {
      const results = await runBench({
        quick: true,
        scenarios: ['search'],
        sizes: { ...SIZES, searchGroups: 100 },
        peer: false,
        profile: false,
        resultsDir: dir,
        command: 'bench.smoke.test.ts',
      });
      expect(results.errors).toEqual({});
      const counts = (results.search?.backends ?? []).map((b) =>
        Object.values(b.queries).map((q) => q.meanResults),
      );
      expect(counts).toHaveLength(2);
      expect(counts[0]).toEqual(counts[1]);
      expect(counts[0]?.[0]).toBeGreaterThan(0);
      expect(results.table?.some((row) => row.scenario === '8 search: SQLite FTS5, half in 100 groups')).toBe(
        true,
      );
    },
  );
  it(
    'stores the same messages with and without the search index, on SQLite and PostgreSQL, and finds the index costs',
    { timeout: 180_000 },
    async () => {
      const results = await runQuick('search-index');
      expect(results.errors).toEqual({});
      const backends = results.searchIndex?.backends ?? [];
      expect(backends.map((b) => b.backend)).toEqual(['sqlite', 'postgres']);
      for (const b of backends) {
        expect(b.samples.map((sample) => sample.indexed)).toEqual([true, false]);
        expect(b.withIndex.usPerMessage).toBeGreaterThan(0);
        expect(b.withoutIndex.usPerMessage).toBeGreaterThan(0);
        expect(b.withoutIndex.bytesPerMessage).toBeGreaterThan(0);
      }
      // The FTS5 index holds every message's words: the file is bigger with it. (PostgreSQL's sizes
      // at this small a table are mostly its fresh pages and free space, too noisy to compare.)
      const sqlite = backends[0];
      expect(sqlite?.withIndex.bytesPerMessage).toBeGreaterThan(sqlite?.withoutIndex.bytesPerMessage ?? 0);
      expect(results.table?.filter((row) => row.scenario.startsWith('8b search index'))).toHaveLength(4);
    },
  );
  it(
    'moves a file up and down through the server, against the plain socket floor, and samples memory',
    { timeout: 180_000 },
    async () => {
      const results = await runQuick('files');
      expect(results.errors).toEqual({});
      const files = results.files;
      expect(files?.uploadMiBps).toBeGreaterThan(0);
      expect(files?.downloadMiBps).toBeGreaterThan(0);
      expect(files?.floorMiBps).toBeGreaterThan(0);
      expect(files?.rssPeakMiB).toBeGreaterThanOrEqual(files?.rssBeforeMiB ?? Infinity);
      expect(files?.s3UploadMiBps).toBeGreaterThan(0);
      expect(files?.s3DownloadMiBps).toBeGreaterThan(0);
      expect(results.table?.filter((row) => row.scenario.startsWith('9 files'))).toHaveLength(6);
    },
  );
});
