/** The Store port's conformance suite (test/server/store/store-conformance.ts) on the SQLite adapter. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../../../../server/store/sqlite/sqlite-store.js';
import type { Store } from '../../../../server/store/store.js';
import { makeTempDir } from '../../../helpers/server.js';
import { describeFileConformance } from '../files-conformance.js';
import { describeSearchConformance } from '../search-conformance.js';
import { describeStoreConformance, type StoreFixture } from '../store-conformance.js';

function openFixture(): Promise<StoreFixture> {
  const dir = makeTempDir('messenger-sqlite-conformance-');
  const path = join(dir, 'store.db');
  const stores: Store[] = [openSqliteStore(path)];
  return Promise.resolve({
    store: stores[0] as Store,
    async reopen() {
      await Promise.all(stores.map((store) => store.close()));
      const store = openSqliteStore(path);
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.map((store) => store.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

describeStoreConformance('SQLite', openFixture);
describeSearchConformance('SQLite', openFixture);
describeFileConformance('SQLite', openFixture);
