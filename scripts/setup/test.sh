#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian or Ubuntu machine and runs every check:
# Debian packages, Node.js 24 where the machine's is older, npm packages; then typecheck, lint and
# `npm test` (vitest, the server suite through gateway processes, Playwright e2e), two minutes of
# fuzzing (`npm run fuzz`), then the vitest suites (cluster included) again on Node.js 22, the other
# supported line.
# It is what CI runs (.ci/run calls it).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/setup/lib.sh

# The PostgreSQL tests start a server of their own in a temporary folder (test/helpers/postgres.ts),
# so Debian's package need not create its default cluster on install (nor start it as a service):
# postgresql-common's create_main_cluster setting, written only where it has not been set up yet.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  as_root mkdir -p /etc/postgresql-common &&
    echo 'create_main_cluster = false' | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null ||
    say "could not write /etc/postgresql-common/createcluster.conf: Debian's postgresql will create its default cluster"
fi

# Chromium: e2e, screenshots, renderer bench; ngircd, ejabberd: bench peers; openssl: the TLS tests' certificates;
# postgresql, redis-server: the store and bus adapters' tests start their own servers from them
# (pg_ctlcluster is postgresql-common's, which only the server packages bring).
require_tools chromium:/usr/bin/chromium ngircd:/usr/sbin/ngircd openssl:openssl \
  postgresql:/usr/bin/pg_ctlcluster redis-server:/usr/bin/redis-server ejabberd:/usr/sbin/ejabberdctl
# ejabberd's SQLite driver, for the bench's durable peer (bench/lib/ejabberd.ts): a library, no command.
compgen -G '/usr/lib/erlang/lib/p1_sqlite3-*' >/dev/null || require_tools 'erlang-p1-sqlite3:(a library)'
ensure_node

say "npm packages"
npm ci --no-audit --no-fund

say "typecheck"
npm run typecheck

say "lint"
npm run lint

say "tests on Node.js $(node --version): npm test"
npm test

# Coverage-guided fuzzing, time-bounded (fuzz/main.ts): a crash or hang fails CI and is saved
# under fuzz/crashes/. --no-save leaves the committed corpus as it is.
say "fuzzing for 120 s: npm run fuzz"
npm run fuzz -- --max-total-time 120 --no-save

(
  use_registry_node 22
  say "vitest suites again on Node.js $(node --version)"
  npx vitest run
  npm run test:gateways
  # pg and ioredis on this line too: the server suite again as two nodes on PostgreSQL + Redis.
  npm run test:cluster
)
