#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks.
#
#   eval "$(scripts/pg-test-server.sh start)"   # prints export WARDEN_TEST_PG_URL=... WARDEN_TEST_PG_DIR=...
#   npx vitest run test/audit                   # the PostgreSQL suites use it instead of starting their own
#   scripts/pg-test-server.sh stop              # stops it and deletes its directory ($WARDEN_TEST_PG_DIR)
#
# initdb into a temporary directory, start on a free port on 127.0.0.1 (socket in the same
# directory), trust auth, no fsync. initdb refuses to run as root: as root it runs as `postgres`.
# The test suites do the same by themselves (test/pg.ts) when WARDEN_TEST_PG_URL is not set.
set -euo pipefail

bindir() {
  if [[ -n "${PG_BIN:-}" && -x "$PG_BIN/initdb" ]]; then echo "$PG_BIN"; return; fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [[ -z "$d" || ! -x "$d/initdb" ]]; then
    echo "pg-test-server: PostgreSQL binaries not found (apt-get install postgresql, or set PG_BIN)" >&2
    exit 1
  fi
  echo "$d"
}

as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    bin=$(bindir)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/warden-pg-XXXXXX")
    if [[ "$(id -u)" == 0 ]]; then chown postgres: "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync --no-instructions >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }
    for attempt in 1 2 3; do
      port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
          -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null; then
        echo "export WARDEN_TEST_PG_URL=postgres://postgres@127.0.0.1:$port/postgres"
        echo "export WARDEN_TEST_PG_DIR=$dir"
        exit 0
      fi
    done
    cat "$dir/server.log" >&2
    rm -rf "$dir"
    exit 1
    ;;
  stop)
    dir="${2:-${WARDEN_TEST_PG_DIR:-}}"
    [[ -n "$dir" && -d "$dir/data" ]] || { echo "pg-test-server: no server directory (give it or set WARDEN_TEST_PG_DIR)" >&2; exit 1; }
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: scripts/pg-test-server.sh start|stop [DIR]" >&2
    exit 2
    ;;
esac
