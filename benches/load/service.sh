#!/usr/bin/env bash
# A 10^7-digit task through the service, from submit to done (digits verified and stored), beside
# the bare computation it wraps, `pilane digits 10000000 --threads 2`, alternating rounds.
#
#   just bench-service [rounds] [n]     (needs curl and bc; builds the release binary)
#
# A lone task is granted both cores, so the bare command runs with two threads too.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
n=${2:-10000000}
cargo build --release --quiet
bin="$PWD/target/release/pilane"
work=$(mktemp -d)
port=18080
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
now() { date +%s.%N; }
for round in $(seq "$rounds"); do
  rm -f "$work"/s.db*
  DATABASE_URL="sqlite://$work/s.db" PILANE_BIND="127.0.0.1:$port" "$bin" >"$work/server.log" 2>&1 &
  server=$!
  until curl -sf "localhost:$port/readyz" >/dev/null; do sleep 0.05; done
  sleep 1 # the engine's speed is measured once after startup, on 100,000 digits
  start=$(now)
  curl -sf -X POST -H 'content-type: application/json' -d "{\"n\":$n}" "localhost:$port/api/tasks" >/dev/null
  until curl -sf "localhost:$port/api/tasks/1" | grep -q '"status":"done"'; do sleep 0.05; done
  service=$(echo "$(now) - $start" | bc)
  kill -TERM "$server"; wait "$server" || true; server=""
  start=$(now)
  "$bin" digits "$n" --threads 2 >/dev/null
  bare=$(echo "$(now) - $start" | bc)
  printf 'round %s: submit to done %.2f s, pilane digits %s --threads 2 %.2f s, ratio %.2f\n' \
    "$round" "$service" "$n" "$bare" "$(echo "$service / $bare" | bc -l)"
done
